namespace Collectives.Optimizers;

/// <summary>
/// Settings of <see cref="DiLoCoOptimizer"/> and <see cref="AsyncDiLoCoOptimizer"/>. Immutable; start from
/// <see cref="Default"/> and change with <c>with</c>. Every peer of a run must use the same values except the waits.
/// </summary>
public sealed record DiLoCoOptions
{
    /// <summary>The defaults: the DiLoCo paper's outer optimizer (Nesterov SGD, lr 0.7, momentum 0.9), no quantization.</summary>
    public static DiLoCoOptions Default { get; } = new();

    /// <summary>
    /// The defaults of <see cref="AsyncDiLoCoOptimizer"/>: outer lr 1.0 without momentum, because its one-step-late
    /// updates overshoot with the synchronous defaults (see its remarks).
    /// </summary>
    public static DiLoCoOptions AsyncDefault { get; } = new() { OuterLearningRate = 1f, OuterMomentum = 0f };

    /// <summary>Outer learning rate (the DiLoCo paper's 0.7).</summary>
    public float OuterLearningRate { get; init; } = 0.7f;

    /// <summary>Outer Nesterov momentum factor (the DiLoCo paper's 0.9).</summary>
    public float OuterMomentum { get; init; } = 0.9f;

    /// <summary>Options of the pseudo-gradient all-reduces, for example quantization on the wire. Null: float32, no quantization.</summary>
    public AllReduceOptions? Reduce { get; init; }

    /// <summary>
    /// The pseudo-gradient is reduced in buckets of at most this many elements (one tag each), so that a failure costs
    /// a retry of the unfinished buckets only and several buckets use the connection pool at once.
    /// </summary>
    public int BucketElements { get; init; } = 1 << 22;

    /// <summary>How many buckets are all-reduced at once.</summary>
    public int MaxInFlight { get; init; } = 4;

    /// <summary>Tag of the first bucket; bucket i uses <c>TagBase + i</c>. Keep clear of the tags of the caller's own collectives.</summary>
    public ulong TagBase { get; init; } = 0x4469_4C6F_0000_0000; // "DiLo"

    /// <summary>Prefix of the shared-state tensor names (".outer", ".momentum", ".counters", ".pending").</summary>
    public string StateName { get; init; } = "diloco";

    /// <summary>
    /// When a peer finds itself alone at an outer step it drops that step's contribution and waits this long for a
    /// peer to ask to join (accepting it at once); then it returns and the caller goes on with the next inner steps.
    /// </summary>
    public TimeSpan PeerWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an alone peer asks the master whether a peer waits to join.</summary>
    public TimeSpan PeerPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many times a shared-state sync or topology update that failed transiently (a peer died) is tried.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Validates the settings.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (!float.IsFinite(OuterLearningRate) || OuterLearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OuterLearningRate), OuterLearningRate, "must be finite and positive");
        }

        if (!float.IsFinite(OuterMomentum) || OuterMomentum is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(OuterMomentum), OuterMomentum, "must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BucketElements, 1, nameof(BucketElements));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1, nameof(MaxInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(PeerWaitTimeout, TimeSpan.Zero, nameof(PeerWaitTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PeerPollInterval, TimeSpan.Zero, nameof(PeerPollInterval));
        ArgumentException.ThrowIfNullOrEmpty(StateName, nameof(StateName));
    }
}
