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
// A command that runs nodes as child processes waits longer than its children do, or it is cut off before it has stopped
// them and said so: 'cluster up' and 'consortium up' 30 s (their children's 14 s, SIGKILL at 15 s), 'bench' 60 s (it stops
// the target it is in, a cluster or a PostgreSQL server included, then reports; cut off at 14 s it exited 130 without its line).
var stopWithin = (parsed.CommandResult.Command.Name, (parsed.CommandResult.Parent as System.CommandLine.Parsing.CommandResult)?.Command.Name) switch
{
    ("bench", _) => TimeSpan.FromSeconds(60),
    ("up", "cluster" or "consortium") => TimeSpan.FromSeconds(30),
    _ => TimeSpan.FromSeconds(14),
};
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = stopWithin }, HealthLedger.Cli.ParentProcess.Gone());
