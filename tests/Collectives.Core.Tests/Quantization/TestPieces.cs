using Collectives.Quantization;
using NUnit.Framework;
using FsCheck;
using FsCheck.Fluent;

namespace Collectives.Tests.Quantization;

/// <summary>Kinds of piece content the properties draw from; each stresses a different part of the rules.</summary>
internal enum Shape
{
    Uniform,
    Constant,
    Tiny,
    Huge,
    Subnormal,
    NarrowOffset,
    Outliers,
    TwoValues,
    SignedZeros,
    NonFiniteOnly,
}

/// <summary>
/// A reproducible test piece: the content is derived from the seed, so a failing case prints everything needed to
/// rebuild it. With <see cref="WithSpecials"/> about 5% of the elements become NaN, +∞ or −∞.
/// </summary>
internal sealed record TestPiece(DataType Type, Shape Shape, int Length, int Seed, bool WithSpecials)
{
    public byte[] Bytes => ElementTypes.ToBytes(Type, Generate());

    /// <summary>The element values as stored in <see cref="Type"/> (after its rounding), as doubles.</summary>
    public double[] Values => ElementTypes.ReadAll(Type, Bytes);

    public override string ToString() => $"{Type} {Shape} length {Length} seed {Seed}{(WithSpecials ? " with NaN/±∞" : "")}";

    public static Gen<TestPiece> Gen(DataType type, int maxLength) =>
        from shape in FsCheck.Fluent.Gen.Elements(Enum.GetValues<Shape>())
        from length in FsCheck.Fluent.Gen.Frequency(
            (1, FsCheck.Fluent.Gen.Choose(0, 3)),
            (3, FsCheck.Fluent.Gen.Choose(0, maxLength)))
        from seed in FsCheck.Fluent.Gen.Choose(0, int.MaxValue)
        from withSpecials in FsCheck.Fluent.Gen.Frequency((3, FsCheck.Fluent.Gen.Constant(false)), (1, FsCheck.Fluent.Gen.Constant(true)))
        select new TestPiece(type, shape, length, seed, withSpecials);

    private double[] Generate()
    {
        var random = new Random(Seed);
        double max = ElementTypes.MaxFinite(Type);
        double constant = random.Next(6) switch
        {
            0 => 0d,
            1 => -0d,
            2 => ElementTypes.SmallestSubnormal(Type),
            3 => -max,
            4 => max,
            _ => (random.NextDouble() - 0.5) * 1000,
        };
        double a = Uniform(random, 100);
        double b = Uniform(random, 100);
        var values = new double[Length];
        for (int i = 0; i < Length; i++)
        {
            values[i] = Shape switch
            {
                Shape.Uniform => Uniform(random, Math.Pow(10, random.Next(-3, 4))),
                Shape.Constant => constant,
                Shape.Tiny => Uniform(random, ElementTypes.SmallestNormal(Type) * 1000),
                Shape.Huge => Math.Sign(random.NextDouble() - 0.5) * max * (random.Next(4) == 0 ? 1 : 0.5 + random.NextDouble() / 2),
                Shape.Subnormal => Math.Sign(random.NextDouble() - 0.5) * ElementTypes.SmallestSubnormal(Type) * random.Next(0, 1000),
                Shape.NarrowOffset => 1000 + Uniform(random, 1e-3),
                Shape.Outliers => Gaussian(random) * (random.Next(100) == 0 ? 1000 : 1),
                Shape.TwoValues => i % 2 == 0 ? a : b,
                Shape.SignedZeros => random.Next(2) == 0 ? 0d : -0d,
                _ => Special(random),
            };
            if (WithSpecials && random.Next(20) == 0)
            {
                values[i] = Special(random);
            }
        }

        return values;
    }

    private static double Uniform(Random random, double scale) => (random.NextDouble() * 2 - 1) * scale;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Special(Random random) => random.Next(3) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        _ => double.NegativeInfinity,
    };
}
