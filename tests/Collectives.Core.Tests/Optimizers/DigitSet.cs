using System.IO.Compression;

namespace Collectives.Tests.Optimizers;

/// <summary>The committed 14×14 MNIST subset (see Data/README.md), split once into a training and an evaluation set.</summary>
internal sealed class DigitSet
{
    public const int Features = 14 * 14;
    public const int Classes = 10;
    private const int RecordBytes = 1 + Features;

    private static readonly Lazy<(DigitSet Train, DigitSet Eval)> Split = new(Load);

    private DigitSet(float[] pixels, byte[] labels)
    {
        Pixels = pixels;
        Labels = labels;
    }

    public static DigitSet Train => Split.Value.Train;

    public static DigitSet Eval => Split.Value.Eval;

    /// <summary>Pixels scaled to 0..1, sample after sample.</summary>
    public float[] Pixels { get; }

    public byte[] Labels { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> Sample(int index) => Pixels.AsSpan(index * Features, Features);

    private static (DigitSet, DigitSet) Load()
    {
        using var file = File.OpenRead(FindDataFile());
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        byte[] raw = bytes.ToArray();
        int count = raw.Length / RecordBytes;

        // The file is ordered by digit; a fixed shuffle mixes the classes into both sets.
        int[] order = Enumerable.Range(0, count).ToArray();
        new Random(2024).Shuffle(order);
        int trainCount = count * 4 / 5;
        return (Slice(raw, order.AsSpan(0, trainCount)), Slice(raw, order.AsSpan(trainCount)));
    }

    private static DigitSet Slice(byte[] raw, ReadOnlySpan<int> records)
    {
        var pixels = new float[records.Length * Features];
        var labels = new byte[records.Length];
        for (int i = 0; i < records.Length; i++)
        {
            int start = records[i] * RecordBytes;
            labels[i] = raw[start];
            for (int f = 0; f < Features; f++)
            {
                pixels[(i * Features) + f] = raw[start + 1 + f] / 255f;
            }
        }

        return new DigitSet(pixels, labels);
    }

    // The test assembly runs from tests/Collectives.Core.Tests/bin/<configuration>/<framework>/; the data stays in the source tree.
    private static string FindDataFile()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "Optimizers", "Data", "mnist-14x14-2000.bin.gz");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Optimizers/Data/mnist-14x14-2000.bin.gz not found above " + AppContext.BaseDirectory);
    }
}
