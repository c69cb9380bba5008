using Collectives.Protocol;

namespace Collectives.Membership;

/// <summary>
/// Assigns peer ids that never repeat within one master: each half is a bijective mix of the seed plus a counter, so
/// distinct counters give distinct ids, and the short log form (the top bits) looks random rather than sequential.
/// </summary>
internal sealed class PeerIdGenerator
{
    private readonly ulong _seedHigh;
    private readonly ulong _seedLow;
    private ulong _counter;

    public PeerIdGenerator(UInt128 seed)
    {
        _seedHigh = (ulong)(seed >> 64);
        _seedLow = (ulong)seed;
    }

    public PeerId Next()
    {
        PeerId id;
        do
        {
            _counter++;
            id = new PeerId(Mix(_seedHigh + _counter), Mix(_seedLow ^ _counter));
        }
        while (id.IsNone);

        return id;
    }

    // The MurmurHash3 64-bit finaliser: every step is invertible, so the whole function is a bijection.
    private static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xff51afd7ed558ccdUL;
        value ^= value >> 33;
        value *= 0xc4ceb9fe1a85ec53UL;
        value ^= value >> 33;
        return value;
    }
}
