namespace Collectives.Topology;

/// <summary>
/// Measured point-to-point bandwidth between the peers of a group, in bytes per second.
/// Entry (<c>from</c>, <c>to</c>) is the rate at which <c>from</c> can send to <c>to</c>; links are asymmetric,
/// so (<c>to</c>, <c>from</c>) is a separate measurement. <see cref="double.NaN"/> marks a link not measured yet.
/// </summary>
/// <remarks>
/// The diagonal has no meaning (a peer does not send to itself): it always reads as unknown and cannot be set.
/// Not thread-safe; the master owns one instance and hands <see cref="Clone"/>s to solvers.
/// </remarks>
public sealed class BandwidthMatrix
{
    /// <summary>
    /// The largest number of peers a matrix may describe. It bounds the allocation made for a matrix
    /// received from the network (1024² doubles = 8 MiB), far above any realistic ring over the internet.
    /// </summary>
    public const int MaxCount = 1024;

    private readonly double[] _values;

    /// <summary>Creates a matrix for <paramref name="count"/> peers with every link unknown.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above <see cref="MaxCount"/>.</exception>
    public BandwidthMatrix(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        Count = count;
        _values = new double[count * count];
        _values.AsSpan().Fill(double.NaN);
    }

    private BandwidthMatrix(int count, double[] values)
    {
        Count = count;
        _values = values;
    }

    /// <summary>The number of peers (rows and columns).</summary>
    public int Count { get; }

    /// <summary>
    /// The bandwidth from peer <paramref name="from"/> to peer <paramref name="to"/> in bytes per second,
    /// or <see cref="double.NaN"/> when unknown. Setting <see cref="double.NaN"/> forgets a measurement.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range, or the value set is negative or infinite.</exception>
    /// <exception cref="ArgumentException">Setting an entry of the diagonal.</exception>
    public double this[int from, int to]
    {
        get => _values[IndexOf(from, to)];
        set
        {
            int index = IndexOf(from, to);
            if (from == to)
            {
                throw new ArgumentException("A peer has no link to itself; the diagonal cannot be set.", nameof(to));
            }

            ThrowIfInvalidBandwidth(value);
            _values[index] = value;
        }
    }

    /// <summary>True when the link from <paramref name="from"/> to <paramref name="to"/> has been measured.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public bool IsKnown(int from, int to) => !double.IsNaN(_values[IndexOf(from, to)]);

    /// <summary>The number of directed links (off the diagonal) not measured yet.</summary>
    public int UnknownLinkCount
    {
        get
        {
            int unknown = 0;
            for (int from = 0; from < Count; from++)
            {
                for (int to = 0; to < Count; to++)
                {
                    if (from != to && double.IsNaN(_values[(from * Count) + to]))
                    {
                        unknown++;
                    }
                }
            }

            return unknown;
        }
    }

    /// <summary>The directed links (off the diagonal) not measured yet, row by row: what the master should ask peers to probe.</summary>
    public IEnumerable<(int From, int To)> UnknownLinks()
    {
        for (int from = 0; from < Count; from++)
        {
            for (int to = 0; to < Count; to++)
            {
                if (from != to && double.IsNaN(_values[(from * Count) + to]))
                {
                    yield return (from, to);
                }
            }
        }
    }

    /// <summary>An independent copy.</summary>
    public BandwidthMatrix Clone() => new(Count, (double[])_values.Clone());

    /// <summary>
    /// The matrix restricted to the peers <paramref name="peers"/>, in that order: entry (i, j) of the result is entry
    /// (<c>peers[i]</c>, <c>peers[j]</c>) of this matrix. Used when the group shrinks or when a solver needs a subset.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    /// <exception cref="ArgumentException">An index appears twice.</exception>
    public BandwidthMatrix Select(ReadOnlySpan<int> peers)
    {
        var seen = new bool[Count];
        foreach (int peer in peers)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(peer, nameof(peers));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(peer, Count, nameof(peers));
            if (seen[peer])
            {
                throw new ArgumentException($"Peer {peer} appears twice.", nameof(peers));
            }

            seen[peer] = true;
        }

        var result = new BandwidthMatrix(peers.Length);
        for (int i = 0; i < peers.Length; i++)
        {
            for (int j = 0; j < peers.Length; j++)
            {
                if (i != j)
                {
                    result._values[(i * peers.Length) + j] = _values[(peers[i] * Count) + peers[j]];
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The entries row by row (<c>from * Count + to</c>), unknown links and the diagonal as <see cref="double.NaN"/>:
    /// the form to put in a message. <see cref="FromFlat"/> reverses it.
    /// </summary>
    public double[] ToFlat() => (double[])_values.Clone();

    /// <summary>Read-only view of the entries in the layout of <see cref="ToFlat"/>, without copying.</summary>
    public ReadOnlySpan<double> AsSpan() => _values;

    /// <summary>
    /// Rebuilds a matrix from the row-by-row form of <see cref="ToFlat"/>, validating it (it may come from the network).
    /// Diagonal entries are ignored.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above <see cref="MaxCount"/>,
    /// or an entry is negative or infinite.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold <c>count * count</c> entries.</exception>
    public static BandwidthMatrix FromFlat(int count, ReadOnlySpan<double> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        if (values.Length != count * count)
        {
            throw new ArgumentException($"Expected {count * count} entries for {count} peers, got {values.Length}.", nameof(values));
        }

        var copy = values.ToArray();
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < count; j++)
            {
                if (i == j)
                {
                    copy[(i * count) + j] = double.NaN;
                }
                else
                {
                    ThrowIfInvalidBandwidth(copy[(i * count) + j], nameof(values));
                }
            }
        }

        return new BandwidthMatrix(count, copy);
    }

    private int IndexOf(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, Count);
        ArgumentOutOfRangeException.ThrowIfNegative(to);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(to, Count);
        return (from * Count) + to;
    }

    private static void ThrowIfInvalidBandwidth(double value, string paramName = "value")
    {
        // NaN means "unknown"; anything else must be a real, non-negative rate.
        if (!double.IsNaN(value) && (value < 0 || double.IsInfinity(value)))
        {
            throw new ArgumentOutOfRangeException(paramName, value, "A bandwidth must be finite and non-negative, or NaN for unknown.");
        }
    }
}
