namespace Collectives.Quantization;

/// <summary>
/// The codes of one code type, and which of them stand for finite values. Without special codes every code
/// 0..MaxCode is finite; with them (the piece had a NaN or ±∞) codes MaxCode−2, MaxCode−1 and MaxCode stand for
/// −∞, +∞ and NaN, and the finite codes are 0..MaxCode−3. The middle code (half of the top finite code) is where
/// the header's center sits, so the covered range is symmetric around it.
/// </summary>
internal readonly record struct CodeSpace(int CodeBytes, int MaxCode, bool HasSpecialCodes)
{
    public int TopFiniteCode => HasSpecialCodes ? MaxCode - 3 : MaxCode;

    /// <summary>Half of <see cref="TopFiniteCode"/>; a half-integer for odd top codes, exact in float32.</summary>
    public double MidCode => TopFiniteCode / 2.0;

    public int NegativeInfinityCode => MaxCode - 2;

    public int PositiveInfinityCode => MaxCode - 1;

    public int NaNCode => MaxCode;

    public static bool IsCodeType(DataType type) => type is DataType.UInt8 or DataType.UInt16;

    public static CodeSpace For(DataType codeType, bool hasSpecialCodes) => codeType == DataType.UInt8
        ? new CodeSpace(1, byte.MaxValue, hasSpecialCodes)
        : new CodeSpace(2, ushort.MaxValue, hasSpecialCodes);
}
