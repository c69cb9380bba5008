using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>Everything one peer needs to run its part of one all-reduce run (one sequence number).</summary>
/// <param name="Tag">The operation's tag.</param>
/// <param name="Sequence">The run's sequence number from the master.</param>
/// <param name="Count">Elements in the buffer.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Op">Reduction operator.</param>
/// <param name="Rank">This peer's position in the ring.</param>
/// <param name="WorldSize">Peers in the ring.</param>
/// <param name="Send">The caller's input (never written unless it is the same memory as <paramref name="Receive"/>).</param>
/// <param name="Receive">The caller's output.</param>
/// <param name="InPlace">True when send and receive are the same memory.</param>
/// <param name="Next">Link to the next peer.</param>
/// <param name="Previous">Identity of the previous peer (data arrives from it).</param>
/// <param name="PieceBytes">Upper bound of a piece on the wire (at most one stripe).</param>
internal sealed record AllReduceRun(
    ulong Tag,
    ulong Sequence,
    long Count,
    DataType DataType,
    ReduceOp Op,
    int Rank,
    int WorldSize,
    Memory<byte> Send,
    Memory<byte> Receive,
    bool InPlace,
    IDataSender Next,
    Guid Previous,
    int PieceBytes);
