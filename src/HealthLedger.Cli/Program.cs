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
return await root.Parse(args).InvokeAsync();
