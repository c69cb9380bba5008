using Collectives.Transport;

namespace Collectives.Algorithms;

/// <summary>
/// An <see cref="IDataSender"/> whose link is filled in after the run is registered: a run must be registered the
/// moment the master commences it (so its data is routed, not dropped), while dialling the next peer takes a moment.
/// The run only sends after <see cref="CollectiveRun.Start"/>, which happens once <see cref="Target"/> is set.
/// </summary>
internal sealed class LinkSlot : IDataSender
{
    public IDataSender? Target { get; set; }

    public void Send(ulong tag, ulong sequence, ulong offset, ReadOnlyMemory<byte> payload, SendTracker tracker) =>
        (Target ?? throw new InvalidOperationException("the run sent before its link was set")).Send(tag, sequence, offset, payload, tracker);
}
