namespace Collectives.StressTests.Shared;

/// <summary>The report kinds children print and the commands the orchestrator sends them.</summary>
internal static class LineKinds
{
    /// <summary>Master: listening; <c>port=</c>.</summary>
    public const string Listening = "LISTENING";

    /// <summary>Peer: a communicator opened its data port; <c>port=</c> (checked for leftovers at the end).</summary>
    public const string Port = "PORT";

    /// <summary>Peer: accepted into the run; <c>gen=</c> counts the communicators this process created.</summary>
    public const string Accepted = "ACCEPTED";

    /// <summary>Peer: a shared-state sync succeeded; <c>lin= rev= hash= rx= tx= first=</c>.</summary>
    public const string Sync = "SYNC";

    /// <summary>Peer: a step completed and advanced the state; <c>lin= rev= hash= ops= retries= rss=</c>.</summary>
    public const string Step = "STEP";

    /// <summary>Peer: a transient failure it retries; <c>phase= code=</c>.</summary>
    public const string Retry = "RETRY";

    /// <summary>Peer: its communicator is dead (master lost, kicked); it rejoins as a new peer. <c>code= msg=</c>.</summary>
    public const string Lost = "LOST";

    /// <summary>Peer: nobody held shared state any more, so it started a new lineage; <c>lin=</c>.</summary>
    public const string Reset = "RESET";

    /// <summary>Peer: an error a correct loop never sees (a library bug or a loop bug); <c>code= msg=</c>.</summary>
    public const string Unexpected = "UNEXPECTED";

    /// <summary>
    /// Peer: a task of the library faulted and nobody observed its exception (harmless by default, but a host running
    /// with ThrowUnobservedTaskExceptions would crash); <c>msg=</c>.
    /// </summary>
    public const string Unobserved = "UNOBSERVED";

    /// <summary>Peer: left gracefully on request and is about to exit with code 0.</summary>
    public const string Left = "LEFT";

    /// <summary>Command: cut every connection (fault injection).</summary>
    public const string CutCommand = "cut";

    /// <summary>Command: freeze data connections for the given milliseconds (fault injection).</summary>
    public const string StallCommand = "stall";

    /// <summary>Command: leave the run gracefully and exit.</summary>
    public const string LeaveCommand = "leave";
}
