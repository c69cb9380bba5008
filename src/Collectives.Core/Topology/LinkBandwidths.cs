using Collectives.Protocol;

namespace Collectives.Topology;

/// <summary>
/// The master's record of measured directed links between peers, keyed by identity so that it survives ring changes:
/// the rows and columns of a <see cref="BandwidthMatrix"/> are positions, which shift whenever peers come and go.
/// Not thread-safe; the master's state machine owns it.
/// </summary>
internal sealed class LinkBandwidths
{
    private readonly Dictionary<(PeerId From, PeerId To), double> _rates = [];

    /// <summary>Measured links held.</summary>
    public int Count => _rates.Count;

    /// <summary>True when the link <paramref name="from"/> → <paramref name="to"/> has a measurement.</summary>
    public bool IsKnown(PeerId from, PeerId to) => _rates.ContainsKey((from, to));

    /// <summary>The rate from <paramref name="from"/> to <paramref name="to"/> in bytes/s, NaN when unknown.</summary>
    public double Get(PeerId from, PeerId to) => _rates.TryGetValue((from, to), out double rate) ? rate : double.NaN;

    /// <summary>
    /// Records a measurement in bytes/s. A failed probe (NaN) records nothing, so the link is probed again next time
    /// rather than being written off for good after one transient failure.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is negative or infinite.</exception>
    /// <exception cref="ArgumentException">A self-link.</exception>
    public void Record(PeerId from, PeerId to, double bytesPerSecond)
    {
        if (from == to)
        {
            throw new ArgumentException("a peer has no link to itself", nameof(to));
        }

        if (double.IsNaN(bytesPerSecond))
        {
            return;
        }

        if (bytesPerSecond < 0 || double.IsInfinity(bytesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "a bandwidth must be finite and non-negative");
        }

        _rates[(from, to)] = bytesPerSecond;
    }

    /// <summary>Drops every link from or to <paramref name="peer"/>: a peer that left may come back from elsewhere.</summary>
    public void Forget(PeerId peer)
    {
        foreach (var link in _rates.Keys.Where(link => link.From == peer || link.To == peer).ToList())
        {
            _rates.Remove(link);
        }
    }

    /// <summary>The directed links among <paramref name="peers"/> with no measurement, as positions in that list.</summary>
    public List<(int From, int To)> UnknownAmong(IReadOnlyList<PeerId> peers)
    {
        var unknown = new List<(int From, int To)>();
        for (int i = 0; i < peers.Count; i++)
        {
            for (int j = 0; j < peers.Count; j++)
            {
                if (i != j && !_rates.ContainsKey((peers[i], peers[j])))
                {
                    unknown.Add((i, j));
                }
            }
        }

        return unknown;
    }

    /// <summary>The matrix of <paramref name="peers"/> in that order (entry (i, j) is <c>peers[i]</c> → <c>peers[j]</c>), unknown links NaN.</summary>
    public BandwidthMatrix ToMatrix(IReadOnlyList<PeerId> peers)
    {
        var matrix = new BandwidthMatrix(peers.Count);
        for (int i = 0; i < peers.Count; i++)
        {
            for (int j = 0; j < peers.Count; j++)
            {
                if (i != j && _rates.TryGetValue((peers[i], peers[j]), out double rate))
                {
                    matrix[i, j] = rate;
                }
            }
        }

        return matrix;
    }
}
