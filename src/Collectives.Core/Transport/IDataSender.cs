namespace Collectives.Transport;

/// <summary>Queues data frames to one neighbour (an <see cref="OutboundLink"/>, or an in-memory link in tests).</summary>
public interface IDataSender
{
    /// <summary>Queues <paramref name="payload"/> at stream offset <paramref name="offset"/> of run (<paramref name="tag"/>, <paramref name="sequence"/>).</summary>
    void Send(ulong tag, ulong sequence, ulong offset, ReadOnlyMemory<byte> payload, SendTracker tracker);
}

/// <summary>Delivers data frames of a run to its sink (an <see cref="InboundRouter"/>, or an in-memory link in tests).</summary>
public interface IDataReceiver
{
    /// <summary>Registers the sink of run <paramref name="sequence"/> receiving from <paramref name="source"/>.</summary>
    void Register(ulong sequence, ulong tag, Guid source, IInboundSink sink);

    /// <summary>Removes the sink; late frames of the run are dropped.</summary>
    void Unregister(ulong sequence);
}
