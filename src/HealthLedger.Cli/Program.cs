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
    VerifyFileCommand.Create(),
};
var parsed = root.Parse(args);
// A command line that does not parse gets one clear line and exit code 2, not the whole help text (which --help shows).
if (parsed.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h") && !args.Contains("-?"))
{
    await Console.Error.WriteLineAsync(HealthLedger.Cli.CommandLineErrors.Describe(parsed));
    return 2;
}
return await parsed.InvokeAsync();
