using System.Net;
using System.Net.Sockets;
using Collectives.Membership;

namespace Collectives.Interop;

/// <summary>What a <c>pcclMasterInstance_t</c> handle stands for: a <see cref="MasterServer"/> and where it is in its life.</summary>
internal sealed class NativeMaster
{
    private readonly object _gate = new();
    private readonly MasterServer _server;
    private readonly IPEndPoint _listen;
    private Phase _phase;
    private Task? _disposal;

    public NativeMaster(MasterOptions options)
    {
        _listen = options.Listen;
        _server = new MasterServer(options, NativeLogging.Shared);
    }

    private enum Phase
    {
        Created,
        Running,
        Interrupted,
        Stopped,
        FailedToRun,
    }

    /// <summary>Binds and starts serving (does not block).</summary>
    /// <exception cref="CollectivesException">InvalidUsage when run before, or when the address cannot be bound.</exception>
    public void Run()
    {
        lock (_gate)
        {
            if (_phase != Phase.Created)
            {
                throw new CollectivesException(ErrorCode.InvalidUsage, "the master was already run; create a new one");
            }

            try
            {
                PortProbe.ThrowIfTaken(_listen);
                _server.Start();
            }
            catch (SocketException e)
            {
                // PCCL reports a failed launch as invalid usage; the message says why.
                _phase = Phase.FailedToRun;
                throw new CollectivesException(ErrorCode.InvalidUsage, $"the master could not listen: {e.Message}", e);
            }

            _phase = Phase.Running;
        }
    }

    /// <summary>Asks the master to stop (does not block; repeated calls are harmless).</summary>
    /// <exception cref="CollectivesException">InvalidUsage when never run.</exception>
    public void Interrupt()
    {
        lock (_gate)
        {
            RequireRunLocked();
            if (_phase == Phase.Running)
            {
                _phase = Phase.Interrupted;
            }
        }

        _server.Interrupt();
    }

    /// <summary>Blocks until the master stopped, then releases its port.</summary>
    /// <exception cref="CollectivesException">InvalidUsage when never run.</exception>
    public void AwaitTermination()
    {
        lock (_gate)
        {
            RequireRunLocked();
        }

        _server.Completion.GetAwaiter().GetResult();
        DisposeOnce().GetAwaiter().GetResult();
        lock (_gate)
        {
            _phase = Phase.Stopped;
        }
    }

    /// <summary>The bound port.</summary>
    /// <exception cref="CollectivesException">InvalidUsage when never run.</exception>
    public ushort Port
    {
        get
        {
            lock (_gate)
            {
                RequireRunLocked();
            }

            IPEndPoint endPoint = _server.LocalEndPoint;
            return (ushort)endPoint.Port;
        }
    }

    /// <summary>Stops the master if it still runs (bounded) and frees it.</summary>
    public void Destroy() => DisposeOnce().GetAwaiter().GetResult();

    // MasterServer's disposal runs once; later callers (await termination, then destroy) wait for that same run.
    private Task DisposeOnce()
    {
        lock (_gate)
        {
            return _disposal ??= _server.DisposeAsync().AsTask();
        }
    }

    private void RequireRunLocked()
    {
        if (_phase is Phase.Created or Phase.FailedToRun)
        {
            throw new CollectivesException(ErrorCode.InvalidUsage, _phase == Phase.Created
                ? "the master was never run; call pcclRunMaster first"
                : "the master failed to run (see the pcclRunMaster error); create a new one");
        }
    }
}
