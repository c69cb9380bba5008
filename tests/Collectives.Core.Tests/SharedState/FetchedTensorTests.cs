using Collectives.SharedState;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Collectives.Tests.SharedState;

/// <summary>
/// Verification overlapped with the transfer: block hashes taken as parts arrive (in any order, on any thread) must
/// combine to exactly <see cref="TensorHasher.Hash(ReadOnlySpan{byte}, DataType, int)"/>, and any wrong byte must fail.
/// </summary>
public class FetchedTensorTests
{
    private const int Block = TensorHasher.BlockSize;

    /// <summary>Source content a little over two blocks long, made once (filling dominates the run time).</summary>
    private static readonly Lazy<byte[]> Source = new(() =>
    {
        var bytes = new byte[(2 * Block) + 4096];
        new Random(7).NextBytes(bytes);
        return bytes;
    });

    /// <summary>A fetch scenario: tensor length, the slices the transfer covers, the parts they arrive in (shuffled).</summary>
    private sealed record Scenario(int Length, (ulong Offset, ulong Length)[] Slices, (int Offset, int Length)[] Parts)
    {
        public override string ToString() => $"length {Length}, {Slices.Length} slices, {Parts.Length} parts";
    }

    [Test]
    public void BlockHashesInAnyOrderCombineToTheTensorHash()
    {
        int[] lengths = [0, 8, Block - 8, Block, Block + 8, (2 * Block) + 4096];
        foreach (int length in lengths)
        {
            ReadOnlySpan<byte> tensor = Source.Value.AsSpan(0, length);
            long seed = TensorHasher.Seed(DataType.Float64, (ulong)length / 8);
            int blocks = TensorHasher.BlockCount((ulong)length);
            var hashes = new ulong[blocks];
            for (int block = blocks - 1; block >= 0; block--)
            {
                hashes[block] = TensorHasher.HashBlock(tensor, block, seed);
            }

            Assert.That(TensorHasher.Combine(hashes, (ulong)length, seed), Is.EqualTo(TensorHasher.Hash(tensor, DataType.Float64)), $"length {length}");
        }
    }

    [Test]
    public void CombineRejectsTheWrongNumberOfBlockHashes() =>
        Assert.Throws<ArgumentException>(() => TensorHasher.Combine(new ulong[1], (ulong)Block + 1, seed: 0));

    [Test]
    public void PartsArrivingInAnyOrderVerifyAgainstTheTensorHash()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(15), Prop.ForAll(Scenarios().ToArbitrary(), scenario =>
        {
            byte[] destination = Prefilled(scenario);
            FetchedTensor fetched = Fetch(scenario, destination, corruptAt: null);
            Assert.DoesNotThrow(fetched.Verify);
            Assert.That(destination.AsSpan().SequenceEqual(Source.Value.AsSpan(0, scenario.Length)), Is.True);
        }));
    }

    [Test]
    public void AnyWrongByteFailsVerification()
    {
        Gen<(Scenario Scenario, double Position)> cases =
            from scenario in Scenarios().Where(s => s.Length > 0)
            from position in Gen.Choose(0, 1_000_000).Select(x => x / 1_000_001.0)
            select (scenario, position);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(15), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            int corruptAt = (int)(c.Position * c.Scenario.Length);
            byte[] destination = Prefilled(c.Scenario);
            bool covered = IsCovered(c.Scenario, corruptAt);
            if (!covered)
            {
                destination[corruptAt] ^= 0x40; // a byte the plan does not fetch differs from the elected content
            }

            FetchedTensor fetched = Fetch(c.Scenario, destination, covered ? corruptAt : null);
            var error = Assert.Throws<CollectivesException>(fetched.Verify);
            Assert.That(error!.ErrorCode, Is.EqualTo(ErrorCode.RankConnectionLost));
        }));
    }

    [Test]
    public void PartsReportedFromManyThreadsAtOnceVerify()
    {
        int length = (2 * Block) + 4096;
        var parts = Enumerable.Range(0, (length + 65535) / 65536).Select(i => (Offset: i * 65536, Length: Math.Min(65536, length - (i * 65536)))).ToArray();
        byte[] destination = new byte[length];
        var fetched = new FetchedTensor("t", destination, DataType.UInt8, TensorHasher.Hash(Source.Value, DataType.UInt8), [(0UL, (ulong)length)]);
        Parallel.ForEach(parts, new ParallelOptions { MaxDegreeOfParallelism = 4 }, part =>
        {
            Source.Value.AsSpan(part.Offset, part.Length).CopyTo(destination.AsSpan(part.Offset));
            fetched.OnWritten((ulong)part.Offset, part.Length);
        });

        Assert.DoesNotThrow(fetched.Verify);
    }

    [Test]
    public void OverlappingOrOutOfRangeSlicesAreRejected()
    {
        byte[] memory = new byte[100];
        Assert.Throws<ProtocolViolationException>(() => new FetchedTensor("t", memory, DataType.UInt8, 0, [(0UL, 60UL), (50UL, 10UL)]));
        Assert.Throws<ProtocolViolationException>(() => new FetchedTensor("t", memory, DataType.UInt8, 0, [(90UL, 11UL)]));
        Assert.Throws<ProtocolViolationException>(() => new FetchedTensor("t", memory, DataType.UInt8, 0, [(101UL, 0UL)]));
        Assert.DoesNotThrow(() => _ = new FetchedTensor("t", memory, DataType.UInt8, 0, [(50UL, 50UL), (0UL, 50UL)]));
    }

    /// <summary>
    /// Random lengths (biased to block boundaries), slices that cover the tensor with random gaps, each slice cut into
    /// random parts, all parts shuffled — the fetcher's orders across connections and donors.
    /// </summary>
    private static Gen<Scenario> Scenarios()
    {
        int max = Source.Value.Length;
        Gen<int> lengths = Gen.OneOf(Gen.Choose(0, max), Gen.Elements(0, 1, Block - 1, Block, Block + 1, 2 * Block, max));
        return from length in lengths
               from cuts in Gen.ArrayOf(Gen.Choose(0, Math.Max(length, 0)), 6)
               from gapMask in Gen.Choose(0, 127)
               from partSize in Gen.Elements(64 << 10, 1 << 20, 3 << 20, Block + 12345)
               from seed in Gen.Choose(0, int.MaxValue)
               select Build(length, cuts, gapMask, partSize, seed);
    }

    private static Scenario Build(int length, int[] cuts, int gapMask, int partSize, int seed)
    {
        int[] bounds = [0, .. cuts.Where(c => c <= length).Order(), length];
        var slices = new List<(ulong, ulong)>();
        var parts = new List<(int, int)>();
        for (int i = 0; i + 1 < bounds.Length; i++)
        {
            if ((gapMask & (1 << (i % 7))) != 0 && bounds.Length > 2)
            {
                continue; // not fetched: the peer already holds these bytes
            }

            slices.Add(((ulong)bounds[i], (ulong)(bounds[i + 1] - bounds[i])));
            for (int at = bounds[i]; at < bounds[i + 1]; at += partSize)
            {
                parts.Add((at, Math.Min(partSize, bounds[i + 1] - at)));
            }
        }

        var random = new Random(seed);
        (int, int)[] shuffled = [.. parts];
        random.Shuffle(shuffled);
        return new Scenario(length, [.. slices], shuffled);
    }

    private static bool IsCovered(Scenario scenario, int at) =>
        scenario.Slices.Any(s => (ulong)at >= s.Offset && (ulong)at < s.Offset + s.Length);

    /// <summary>Destination memory: uncovered bytes already hold the content (they are not fetched), covered bytes hold junk.</summary>
    private static byte[] Prefilled(Scenario scenario)
    {
        byte[] destination = Source.Value.AsSpan(0, scenario.Length).ToArray();
        foreach ((ulong offset, ulong length) in scenario.Slices)
        {
            destination.AsSpan((int)offset, (int)length).Fill(0xA5);
        }

        return destination;
    }

    /// <summary>Delivers the parts like the fetcher does: write the bytes, then report them; optionally one byte arrives wrong.</summary>
    private static FetchedTensor Fetch(Scenario scenario, byte[] destination, int? corruptAt)
    {
        ulong expected = TensorHasher.Hash(Source.Value.AsSpan(0, scenario.Length), DataType.UInt8);
        var fetched = new FetchedTensor("t", destination, DataType.UInt8, expected, scenario.Slices);
        foreach ((int offset, int length) in scenario.Parts)
        {
            Source.Value.AsSpan(offset, length).CopyTo(destination.AsSpan(offset));
            if (corruptAt is int at && at >= offset && at < offset + length)
            {
                destination[at] ^= 0x01;
            }

            fetched.OnWritten((ulong)offset, length);
        }

        return fetched;
    }
}
