using System.Net;
using Collectives.Membership;
using Collectives.StressTests.Shared;
using Microsoft.Extensions.Logging;

namespace Collectives.StressTests;

/// <summary>The master process: a <see cref="MasterServer"/> on loopback until stdin closes (the orchestrator's end or death).</summary>
internal static class MasterProgram
{
    public static async Task<int> RunAsync(Arguments args)
    {
        args.RejectUnknown();
        using var logging = new StderrLoggerFactory(LogLevel.Warning);
        await using var server = new MasterServer(MasterOptions.Default with { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, logging);
        server.Start();
        Report.Line(LineKinds.Listening, [("port", server.LocalEndPoint.Port)]);
        using var input = new StreamReader(Console.OpenStandardInput());
        Task<string?> line = input.ReadLineAsync();
        while (await Task.WhenAny(line, server.Completion).ConfigureAwait(false) == line && await line.ConfigureAwait(false) is not null)
        {
            line = input.ReadLineAsync();
        }

        if (server.Completion.IsCompleted)
        {
            await Console.Error.WriteLineAsync(StderrLoggerFactory.ErrorPrefix + "the master stopped on its own").ConfigureAwait(false);
            return 3;
        }

        server.Interrupt();
        return 0;
    }
}
