namespace Collectives.Transport;

public sealed partial class FramedConnection
{
    private TaskCompletionSource? _stall;

    /// <summary>Fault injection: breaks the connection as if the network had cut it.</summary>
    public void InjectDrop() =>
        Break(new ConnectionLostException(ErrorCode.RankConnectionLost, $"connection to {RemoteEndPoint} dropped by fault injection"));

    /// <summary>Fault injection: stops reading and writing (the socket stays open) until <see cref="ReleaseStall"/>.</summary>
    public void InjectStall() =>
        Interlocked.CompareExchange(ref _stall, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Ends an injected stall.</summary>
    public void ReleaseStall() => Interlocked.Exchange(ref _stall, null)?.TrySetResult();

    private Task WaitWhileStalledAsync() => Volatile.Read(ref _stall)?.Task ?? Task.CompletedTask;
}
