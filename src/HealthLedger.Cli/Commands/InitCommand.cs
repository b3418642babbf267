using System.CommandLine;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;

namespace HealthLedger.Cli.Commands;

internal static class InitCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var org = CommonOptions.Organisation();
        var contact = CommonOptions.Contact();
        var nodes = CommonOptions.Nodes(required: false, defaultFour: false);
        var basePort = CommonOptions.BasePort();
        var policy = new CommonOptions.PolicyOptions();
        var store = new Option<string?>("--store")
        {
            Description = "Where the ledger is stored: 'sqlite' (default: the file ledger.db in the data folder) or a PostgreSQL connection string " +
                "for a single node, e.g. \"Host=db.example;Database=healthledger;Username=healthledger\" (an empty database of its own; the password " +
                "from PGPASSWORD or ~/.pgpass, or in the string). Recorded in node.json's \"store\".",
        };
        var command = new Command("init",
            "Create a network in a new data folder: keys, genesis block and the first admin user 'admin'. Without --nodes, a single " +
            "node lives in the folder itself; with --nodes N, the folder gets node-1 … node-N, one per voting node, with web ports " +
            "from --base-port and peer ports from --base-port + 100. " +
            $"The admin password comes from {CommonOptions.PasswordVariable} when set, otherwise it is generated and printed once. " +
            "The --care-after-… options set the network policy of how long doctors keep access to a patient's record.")
        { data, org, contact, nodes, basePort, store };
        foreach (var option in policy.All) command.Add(option);
        command.SetAction(parse =>
        {
            var (networkPolicy, problem) = policy.Read(parse);
            if (problem is not null) return CommonOptions.Fail(problem);
            return Run(parse.GetValue(data)!, parse.GetValue(org)!,
                parse.GetResult(nodes) is null or { Implicit: true } ? null : new ClusterLayout(parse.GetValue(nodes), parse.GetValue(basePort)), networkPolicy,
                parse.GetValue(store), parse.GetValue(contact)!);
        });
        return command;
    }

    public static int Run(string data, string organisation, ClusterLayout? cluster = null, NetworkPolicy? networkPolicy = null, string? store = null, string contact = "")
    {
        InitResult result;
        try
        {
            result = NetworkInitializer.Init(data, organisation, CommonOptions.AdminPassword(), TimeProvider.System, cluster: cluster, networkPolicy: networkPolicy, store: store,
                contact: contact);
        }
        catch (Exception e) when (NewNetworkFolder.IsCreationFailure(e))
        {
            // The disk, said as the other commands say it (not a bare "No space left on device : 'DIR/keys/…tmp'", nor the ledger's
            // advice about restoring a file that is being made).
            return CommonOptions.Fail(NewNetworkFolder.Problem(data, e));
        }
        Print(data, result, cluster);
        if (Storage.LedgerLocation.IsPostgresSetting(store)) Console.WriteLine($"Ledger: {Storage.PostgresLedgerStore.Describe(store!.Trim())} (node.json: store)");
        var care = networkPolicy ?? NetworkPolicy.Default;
        Console.WriteLine($"Care: doctors keep access {Days(care.CareAfterDischargeDays)} after a discharge and {Days(care.CareAfterVisitDays)} after a visit " +
            "(network policy; an admin changes it with PUT /api/v1/policy).");
        return 0;
    }

    private static string Days(int days) => days == 1 ? "1 day" : $"{days} days";

    public static void Print(string data, InitResult result, ClusterLayout? cluster = null)
    {
        Console.WriteLine($"Created network '{result.NetworkId}' for organisation '{result.OrganisationId}' in {Path.GetFullPath(data)}");
        Console.WriteLine($"Genesis block {result.GenesisHash}");
        if (cluster is not null)
        {
            for (var k = 1; k <= cluster.Nodes; k++)
            {
                Console.WriteLine($"  node {k}: {result.NodeFolders[k - 1]}  web {cluster.WebUrl(k)}  peers {cluster.PeerAddress(k)}");
            }
            Console.WriteLine($"Tolerates {ValidatorSet.FaultsTolerated(cluster.Nodes)} faulty node(s) (a block needs {ValidatorSet.Quorum(cluster.Nodes)} of {cluster.Nodes} votes); run each with 'healthledger node --data FOLDER', or all with 'healthledger cluster up'.");
            Console.WriteLine($"Key backups for rebuilding a lost node ('healthledger join'): {Path.Combine(Path.GetFullPath(data), ClusterLayout.BackupFolder)} — move them somewhere safe.");
        }
        CommonOptions.PrintAdminLogin(result.AdminUser, result.GeneratedPassword);
    }
}
