using System.Net;
using Collectives.SharedState;
using Collectives.StressTests.Shared;
using Microsoft.Extensions.Logging;

namespace Collectives.StressTests.Peer;

/// <summary>
/// A peer process: runs the training loop and, whenever its communicator dies (master connection cut, kicked after a
/// freeze), rejoins as a new peer with what it holds, as a demanding user would. It never exits on a library error;
/// it exits with 0 after a requested leave, <see cref="Orphaned"/> when the orchestrator is gone, and crashes (a
/// non-zero code the orchestrator reports) only on a bug.
/// </summary>
internal sealed class PeerProgram
{
    /// <summary>Exit code when stdin closed: the orchestrator is gone, nobody reads our reports.</summary>
    public const int Orphaned = 4;

    private readonly PeerSettings _settings;
    private readonly TrainingState _state;
    private readonly Gradients _gradients;
    private readonly PeerCounters _counters = new();
    private readonly Random _random;
    private readonly CancellationTokenSource _leave = new();
    private readonly ILoggerFactory _logging = new StderrLoggerFactory(LogLevel.Warning);
    private Communicator? _current;

    private PeerProgram(PeerSettings settings)
    {
        _settings = settings;
        _state = new TrainingState(settings.Size, settings.RunSeed);
        _state.Local[0] = settings.PeerSeed;
        _gradients = new Gradients(_state);
        _random = new Random(settings.PeerSeed);
    }

    public static async Task<int> RunAsync(Arguments args)
    {
        var program = new PeerProgram(PeerSettings.Parse(args));
        TaskScheduler.UnobservedTaskException += (sender, e) =>
        {
            Exception inner = e.Exception.InnerExceptions.Count == 1 ? e.Exception.InnerExceptions[0] : e.Exception;
            Report.Line(LineKinds.Unobserved, [], $"task {DescribeTask(sender)}: {inner}");
        };
        _ = Task.Run(program.ReadCommandsAsync);
        await program.LiveAsync().ConfigureAwait(false);
        Report.Line(LineKinds.Left, []);
        return 0;
    }

    /// <summary>
    /// Where a faulted task came from: an async method's task is its state machine box, whose type names the method
    /// (the exception's frames only say where it was thrown); a completion source's task is a plain Task.
    /// </summary>
    internal static string DescribeTask(object? task) => task?.GetType() switch
    {
        null => "?",
        { IsGenericType: true } box when box.GetGenericArguments()[^1] is { DeclaringType: { } owner } method => $"{owner.Name}.{method.Name}",
        var type => type.Name,
    };

    /// <summary>One communicator after another until asked to leave.</summary>
    private async Task LiveAsync()
    {
        bool holder = _settings.Initial;
        for (int generation = 1; !_leave.IsCancellationRequested; generation++)
        {
            var communicator = new Communicator(new CommunicatorOptions(_settings.Master)
            {
                PeerListen = new IPEndPoint(IPAddress.Loopback, 0),
                LoggerFactory = _logging,
            });
            try
            {
                Volatile.Write(ref _current, communicator);
                Task connect = communicator.ConnectAsync(_leave.Token);
                Report.Line(LineKinds.Port, [("port", communicator.PeerEndPoint?.Port ?? 0), ("gen", generation)]);
                await connect.ConfigureAwait(false);
                Report.Line(LineKinds.Accepted, [("gen", generation), ("id", communicator.Id), ("world", communicator.WorldSizes.PeerGroup)]);
                await new TrainingLoop(communicator, _state, _gradients, _counters, _random, _settings).RunAsync(holder, _leave.Token).ConfigureAwait(false);
            }
            catch (CollectivesException e) when (_leave.IsCancellationRequested && e.ErrorCode == ErrorCode.Cancelled)
            {
                return; // asked to leave while waiting to be accepted
            }
            catch (CollectivesException e) when (IsLoss(e.ErrorCode))
            {
                Report.Line(LineKinds.Lost, [("code", e.ErrorCode), ("gen", generation)], e.Message);
            }
            catch (CollectivesException e)
            {
                Report.Line(LineKinds.Unexpected, [("code", e.ErrorCode), ("gen", generation)], e.ToString());
            }
            finally
            {
                Volatile.Write(ref _current, null);
                await communicator.DisposeAsync().ConfigureAwait(false);
            }

            // Whatever this peer holds may be stale now: it receives before it offers anything again.
            holder = false;
        }
    }

    /// <summary>The communicator is dead and the peer must rejoin: the master is unreachable or removed it.</summary>
    private static bool IsLoss(ErrorCode code) => code is ErrorCode.MasterConnectionFailed or ErrorCode.Kicked;

    private async Task ReadCommandsAsync()
    {
        using var input = new StreamReader(Console.OpenStandardInput());
        while (await input.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Communicator? current = Volatile.Read(ref _current);
            switch (words.FirstOrDefault())
            {
                case LineKinds.CutCommand:
                    current?.SimulateConnectionFailure();
                    break;
                case LineKinds.StallCommand when words.Length > 1 && current is not null:
                    current.SimulateStall(true);
                    _ = ThawLaterAsync(current, int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case LineKinds.LeaveCommand:
                    await _leave.CancelAsync().ConfigureAwait(false);
                    break;
            }
        }

        // stdin closed: the orchestrator died without killing us. Nobody is left to report to.
        Environment.Exit(Orphaned);
    }

    private static async Task ThawLaterAsync(Communicator communicator, int milliseconds)
    {
        await Task.Delay(milliseconds).ConfigureAwait(false);
        communicator.SimulateStall(false);
    }
}
