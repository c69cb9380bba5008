using System.CommandLine;
using Collectives.Master;

// The master handles SIGINT and SIGTERM itself (clean shutdown, exit code 0), so System.CommandLine's handling is off.
return await MasterCommandLine.InvokeAsync(args, MasterHost.RunAsync, new InvocationConfiguration { ProcessTerminationTimeout = null });
