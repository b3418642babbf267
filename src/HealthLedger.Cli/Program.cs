using System.CommandLine;
using HealthLedger.Cli.Commands;

var root = new RootCommand("HealthLedger: medical records on a permissioned, Byzantine-fault-tolerant ledger.")
{
    InitCommand.Create(),
    UpCommand.Create(),
    UpCommand.CreateNode(),
    ClusterCommand.Create(),
    ConsortiumCommand.Create(),
    JoinCommand.Create(),
    BenchCommand.Create(),
    VerifyCommand.Create(),
    LoadCommand.Create(),
    SeedCommand.Create(),
    ImportCommand.Create(),
    VerifyFileCommand.Create(),
};
// An empty or blank value ("--store ''") is refused, never taken for the option's default.
HealthLedger.Cli.CommandLineErrors.RefuseEmptyValues(root);
var parsed = root.Parse(args);
// A command line that does not parse gets one clear line and exit code 2, not the whole help text (which --help shows).
if (parsed.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h") && !args.Contains("-?"))
{
    var line = HealthLedger.Cli.CommandLineErrors.Describe(parsed);
    // A command asked for --json still prints its one JSON document on stdout ({"ok":false,"error":…}).
    if (args.Contains("--json") && parsed.CommandResult.Command.Options.Any(o => o.Name == "--json"))
    {
        Console.WriteLine(CommonOptions.ErrorJson(line["error: ".Length..]));
    }
    await Console.Error.WriteLineAsync(line);
    return 2;
}
// SIGTERM / Ctrl+C cancel the command and then wait this long for it to end (System.CommandLine's default is 2 s): a node's
// graceful stop sends its pending disclosures (up to DisclosureRecorder.StopFlushLimit) and closes its store. 'cluster up'
// and 'consortium up' SIGKILL a child still running 15 s after its SIGTERM; what a killed node kept is sent at its next start.
// A command started by another healthledger process (HEALTHLEDGER_PARENT_PID) stops the same way once that process is gone.
// 'bench' waits longer: interrupted, it stops the target it is in (a node's own stop takes up to these 14 s, a PostgreSQL
// server's a few more) and then reports; cut off at 14 s it would exit 130 without its line and leave the folders behind.
var stopWithin = parsed.CommandResult.Command.Name == "bench" ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(14);
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = stopWithin }, HealthLedger.Cli.ParentProcess.Gone());
