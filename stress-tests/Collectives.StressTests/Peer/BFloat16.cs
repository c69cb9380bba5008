namespace Collectives.StressTests.Peer;

/// <summary>bfloat16 as the upper half of a float32 (truncating: deterministic and enough for a stress test).</summary>
internal static class BFloat16
{
    public static ushort FromSingle(float value) => (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
