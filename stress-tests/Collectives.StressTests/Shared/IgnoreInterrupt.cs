using System.Runtime.InteropServices;

namespace Collectives.StressTests.Shared;

/// <summary>
/// Ctrl+C in a terminal signals the whole process group, children included. Children ignore it: the orchestrator
/// decides when they end (it kills them during its teardown), so an interrupted run is not reported as dying peers.
/// </summary>
internal static class IgnoreInterrupt
{
    public static PosixSignalRegistration Register() => PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
}
