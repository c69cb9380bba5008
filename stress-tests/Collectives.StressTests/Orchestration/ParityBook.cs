namespace Collectives.StressTests.Orchestration;

/// <summary>
/// The first hash reported for each (lineage, revision) and who reported it: every later report of the same
/// revision of the same lineage must match, whether it came from a step or from a sync.
/// </summary>
internal sealed class ParityBook
{
    // Bounded for hour-long runs: revisions far behind the newest are never reported again.
    private const int Window = 4096;

    private readonly Dictionary<(long Lineage, ulong Revision), (ulong Hash, string Reporter)> _first = [];
    private readonly Queue<(long, ulong)> _order = new();

    public int Revisions => _first.Count;

    /// <returns>Null when consistent, otherwise a description of the mismatch.</returns>
    public string? Record(long lineage, ulong revision, ulong hash, string reporter)
    {
        if (_first.TryGetValue((lineage, revision), out var first))
        {
            return first.Hash == hash ? null
                : $"lineage {lineage:x16} revision {revision}: {reporter} holds {hash:x16}, {first.Reporter} held {first.Hash:x16}";
        }

        _first[(lineage, revision)] = (hash, reporter);
        _order.Enqueue((lineage, revision));
        if (_order.Count > Window)
        {
            _first.Remove(_order.Dequeue());
        }

        return null;
    }
}
