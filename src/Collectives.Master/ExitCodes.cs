namespace Collectives.Master;

/// <summary>The process exit codes, stable for scripts and supervisors.</summary>
internal static class ExitCodes
{
    /// <summary>Stopped on request (SIGINT, SIGTERM) after a clean shutdown; also <c>--help</c>.</summary>
    public const int Success = 0;

    /// <summary>Bad command line: unknown option, malformed value, unusable secret file (System.CommandLine's code).</summary>
    public const int Usage = 1;

    /// <summary>The listening socket could not be bound (address in use, not an address of this machine, no permission).</summary>
    public const int CannotListen = 2;

    /// <summary>The master stopped without being asked to.</summary>
    public const int Failed = 3;
}
