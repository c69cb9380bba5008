using System.CommandLine;
using Collectives.Master;

RootCommand command = MasterCommandLine.Create(MasterHost.RunAsync);
ParseResult parsed = MasterCommandLine.Parse(command, args);

// The master handles SIGINT and SIGTERM itself (clean shutdown, exit code 0), so System.CommandLine's handling is off.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
int exitCode = await parsed.InvokeAsync(invocation);
if (parsed.Errors.Count > 0)
{
    await invocation.Error.WriteLineAsync(MasterCommandLine.HelpHint);
}

return exitCode;
