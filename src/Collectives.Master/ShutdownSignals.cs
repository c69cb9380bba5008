using System.Runtime.InteropServices;

namespace Collectives.Master;

/// <summary>
/// Turns the first SIGINT (Ctrl-C) or SIGTERM into a clean-shutdown request. A second one is left to the runtime's
/// default action, which ends the process at once: the way out for an operator whose shutdown hangs.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;
    private string _signal = string.Empty;

    public ShutdownSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Requested => _requested.Token;

    /// <summary>The first signal's name (SIGINT, SIGTERM); empty before one arrives.</summary>
    public string Signal => Volatile.Read(ref _signal);

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _received) != 1)
        {
            return;
        }

        context.Cancel = true;
        Volatile.Write(ref _signal, context.Signal.ToString());
        _requested.Cancel();
    }
}
