using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// 'consortium up': a local consortium of several organisations, one node each, as separate processes. The first run founds
/// them all in one genesis block (<see cref="NetworkInitializer.InitConsortium"/>): each organisation's folder holds only its
/// own organisation key and admin login.
/// </summary>
internal static class ConsortiumUpCommand
{
    public const string DefaultOrganisations =
        "General Hospital:hospital:+44 20 7946 0100,St Mary Hospital:hospital:+44 20 7946 0200,City Lab:laboratory:+44 20 7946 0300,Green Pharmacy:pharmacy:+44 20 7946 0400";

    private static readonly string[] TypeNames = Enum.GetNames<OrganisationType>().Select(n => n.ToLowerInvariant()).ToArray();

    public static Command Create()
    {
        var orgs = new Option<string>("--orgs")
        {
            Description = "The founding organisations, 'Name:type:contact' separated by commas (type: " + string.Join(", ", TypeNames) +
                "; contact: the organisation's switchboard, shown on the public on-call page, e.g. a phone number, one line of at most " +
                $"{OrganisationRecord.MaxContactBytes} bytes without a comma (the list's separator: a contact with a comma cannot be given here); it cannot be changed later. " +
                "Without it the switchboard is 'not published', unless --seed gives a synthetic one), only read when the consortium is created (default \"" + DefaultOrganisations + "\")",
            DefaultValueFactory = _ => DefaultOrganisations,
        };
        var data = CommonOptions.Data(required: true, "The consortium's folder: one folder per organisation's node in it, DIR/<organisation id> (made when it holds none)");
        data.Description = "The consortium's folder: one sub-folder per organisation (its node's data) and consortium.json";
        var basePort = new Option<int>("--base-port")
        {
            Description = "Web port of the first organisation's node; organisation K uses base + K - 1, its peer endpoint base + 100 + K - 1 (default 5080; only read when the consortium is created)",
            DefaultValueFactory = _ => 5080,
        }.WholeNumber(1, 65_535);
        var seed = new Option<bool>("--seed") { Description = "When the consortium is created: fill every hospital with synthetic doctors, patients, encounters, accounts, lab orders, a pharmacy with stock, prescriptions and dispenses (as 'seed')" };
        var patients = new Option<int>("--patients") { Description = "Patients per hospital for --seed, 1 to 10000 (default 20)", DefaultValueFactory = _ => 20 }.WholeNumber(1, 10_000);
        var up = new Command("up",
            "Run a local consortium: one node per organisation, each its own process with only its own organisation key and admin. " +
            "The first run creates DIR/<organisation id>/ for each organisation (keys, node.json, the shared genesis block) and prints each admin's " +
            $"password once ({CommonOptions.PasswordVariable}, when set, gives every admin that password instead); later runs start the same nodes. " +
            "Ctrl+C stops them all.")
        {
            orgs, data, basePort, seed, patients,
        };
        up.SetAction((parse, ct) => Up(parse.GetValue(data)!, parse.GetValue(orgs)!, parse.GetResult(orgs) is { Implicit: false }, parse.GetValue(basePort), parse.GetResult(basePort) is { Implicit: false },
            parse.GetValue(seed), parse.GetValue(patients), ct));
        return up;
    }

    /// <summary>Parses <c>--orgs</c>: the organisations, or a one-line problem.</summary>
    public static (IReadOnlyList<FoundingOrganisation>? Organisations, string? Problem) Parse(string text)
    {
        var list = new List<FoundingOrganisation>();
        foreach (var entry in text.Split(','))
        {
            var parts = entry.Split(':', 3);
            if (parts.Length < 2 || parts[0].Trim().Length == 0)
            {
                return (null, $"--orgs: '{entry.Trim()}' is not 'Name:type' or 'Name:type:contact' (e.g. \"General Hospital:hospital:+44 20 7946 0100,City Lab:laboratory\").");
            }
            if (!Enum.TryParse<OrganisationType>(parts[1].Trim(), ignoreCase: true, out var type) || !TypeNames.Contains(parts[1].Trim().ToLowerInvariant()))
            {
                return (null, $"--orgs: '{parts[1].Trim()}' is not a type of organisation (for '{parts[0].Trim()}'); use one of {string.Join(", ", TypeNames)}.");
            }
            // A blank contact is refused, as init's blank --contact is: 'Name:type' alone is the way to found one without.
            if (parts.Length > 2 && parts[2].Trim().Length == 0)
            {
                return (null, $"--orgs: the contact of '{parts[0].Trim()}' must not be empty (leave it out for none: '{parts[0].Trim()}:{parts[1].Trim()}').");
            }
            list.Add(new FoundingOrganisation(parts[0].Trim(), type, parts.Length > 2 ? parts[2].Trim() : ""));
        }
        return NetworkInitializer.ConsortiumProblem(list) is { } problem ? (null, "--orgs: " + problem) : (list, null);
    }

    /// <summary>The switchboard --seed gives organisation K (1-based) founded without a contact: a fictional UK drama number, "+44 20 7946 0K00".</summary>
    public static string SyntheticSwitchboard(int k) => $"+44 20 7946 {k % 100:D2}00";

    private static async Task<int> Up(string data, string orgsText, bool orgsGiven, int basePort, bool basePortGiven, bool seed, int patients, CancellationToken ct)
    {
        if (patients is < 1 or > 10_000) return CommonOptions.Fail("--patients must be between 1 and 10000");
        if (MachineShare.Problem is { } share) return CommonOptions.Fail(share);
        var root = Path.GetFullPath(data);
        ConsortiumManifest? manifest;
        try
        {
            manifest = ConsortiumManifest.Read(root);
        }
        catch (InvalidDataException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        IReadOnlyList<string?> passwords;
        var created = manifest is null;
        if (manifest is null)
        {
            var (organisations, problem) = Parse(orgsText);
            if (problem is not null) return CommonOptions.Fail(problem);
            // A seeded demo publishes a switchboard for every organisation (the public on-call page shows it).
            if (seed) organisations = organisations!.Select((o, i) => o.Contact.Length > 0 ? o : o with { Contact = SyntheticSwitchboard(i + 1) }).ToList();
            var layout = new ClusterLayout(organisations!.Count, basePort);
            if (LayoutPorts.Problem(layout, "consortium") is { } ports) return CommonOptions.Fail(ports);
            ConsortiumInitResult result;
            var existed = Directory.Exists(root);
            try
            {
                result = NetworkInitializer.InitConsortium(root, organisations, layout, CommonOptions.AdminPassword(), TimeProvider.System);
            }
            catch (Exception e) when (NewNetworkFolder.IsCreationFailure(e))
            {
                return CommonOptions.Fail(NewNetworkFolder.Problem(root, e));
            }
            manifest = new ConsortiumManifest(result.NetworkId, result.GenesisHash, result.Organisations.Select((o, i) =>
                new ConsortiumManifest.Member(o.Id, o.Name, o.Type.ToString().ToLowerInvariant(), o.WebUrl, Port(layout.PeerAddress(i + 1)), o.AdminUser)).ToList());
            try
            {
                manifest.Write(root);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Without consortium.json the folders are no consortium a later run can start (and the folder is no longer empty
                // for a new one): what was made goes, as when founding fails.
                if (existed) foreach (var entry in Directory.EnumerateFileSystemEntries(root)) DeleteEntry(entry);
                else Directory.Delete(root, recursive: true);
                return CommonOptions.Fail(NewNetworkFolder.Problem(root, e));
            }
            Console.WriteLine($"Created consortium '{result.NetworkId}' of {result.Organisations.Count} organisation{(result.Organisations.Count == 1 ? "" : "s")} in {root}");
            Console.WriteLine($"Genesis block {result.GenesisHash}, signed by {result.Organisations[0].Name}'s organisation key; every organisation's folder holds only its own key.");
            passwords = result.Organisations.Select(o => o.GeneratedPassword).ToList();
        }
        else
        {
            var (given, problem) = orgsGiven ? Parse(orgsText) : (null, null);
            if (problem is not null) return CommonOptions.Fail(problem);
            if (given is not null
                && !given.Select(o => NetworkInitializer.OrganisationId(o.Name)).Order(StringComparer.Ordinal).SequenceEqual(manifest.Organisations.Select(o => o.Id).Order(StringComparer.Ordinal)))
            {
                return CommonOptions.Fail($"{root} holds the consortium of {string.Join(", ", manifest.Organisations.Select(o => o.Name))}, not the --orgs given; use another --data to make a new one.");
            }
            if (manifest.Organisations.FirstOrDefault(o => !new DataDirectory(Path.Combine(root, o.Id)).HasNetwork) is { } missing)
            {
                return CommonOptions.Fail($"{Path.Combine(root, missing.Id)} holds no node of the consortium.");
            }
            if (manifest.Organisations.SelectMany(o => new[] { o.Web, new UriBuilder(o.Web) { Port = o.PeerPort }.Uri.AbsoluteUri })
                .FirstOrDefault(a => KestrelEndpoints.FirstInUse(a) is not null) is { } busy)
            {
                return CommonOptions.Fail($"port {Port(busy)} of the consortium is in use (is it already running?); stop what uses it.");
            }
            if (basePortGiven && manifest.Organisations.Count > 0 && Port(manifest.Organisations[0].Web) != basePort)
            {
                // The ports are the consortium's own (its manifest and each node's node.json): a --base-port that differs was dropped without a word.
                Console.Error.WriteLine($"warning: --base-port {basePort} is ignored: {root} holds a consortium whose nodes listen from port " +
                    $"{Port(manifest.Organisations[0].Web)} on; it starts as it is.");
            }
            if (seed) Console.WriteLine("--seed only counts when the consortium is created; starting it as it is.");
            seed = false;
            passwords = manifest.Organisations.Select(_ => (string?)null).ToList();
        }

        PrintTable(manifest, passwords, created); // before seeding: a failed seed must not lose the passwords
        await using var processes = new NodeProcesses();
        var members = manifest.Organisations;
        var folders = members.Select(m => Path.Combine(root, m.Id)).ToList();
        var seeded = seed ? Enumerable.Range(0, members.Count).Where(i => members[i].Type == "hospital").ToList() : [];
        var nodes = new System.Diagnostics.Process?[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            if (seeded.FirstOrDefault(-1) != i) nodes[i] = processes.StartNode(members[i].Id, folders[i], members.Count);
        }
        // A seeded hospital's node runs inside 'seed' (it votes there) while every other node runs, so the votes always make a
        // quorum whatever the mix of organisations; then it starts as a node again.
        foreach (var i in seeded)
        {
            if (nodes[i] is { } running) await processes.StopAsync(running);
            if (await Seed(processes, members[i], folders[i], passwords[i], patients, i + 1, ct) is { } failed) return failed;
            nodes[i] = processes.StartNode(members[i].Id, folders[i], members.Count);
        }
        if (await WaitReady(manifest, ct) is { } notReady) Console.Error.WriteLine($"warning: {notReady}");
        else Console.WriteLine($"All {members.Count} nodes are ready. Press Ctrl+C to stop them.");
        return await processes.WaitAsync(ct);
    }

    private static async Task<int?> Seed(NodeProcesses processes, ConsortiumManifest.Member member, string folder, string? password, int patients, int seed, CancellationToken ct)
    {
        password ??= CommonOptions.AdminPassword();
        if (password is null) return CommonOptions.Fail($"cannot seed {member.Name}: its admin password is unknown");
        Console.WriteLine($"Seeding {member.Name} with {patients} synthetic patients…");
        var process = processes.Start("seed " + member.Id,
            ["seed", "--data", folder, "--admin", member.Admin, "--patients", patients.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { [CommonOptions.PasswordVariable] = password });
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return 1;
        }
        var code = process.ExitCode;
        await processes.StopAsync(process); // forgets it (it has exited)
        return code == 0 ? null : CommonOptions.Fail($"seeding {member.Name} failed (see its output above)", 1);
    }

    private static void PrintTable(ConsortiumManifest manifest, IReadOnlyList<string?> passwords, bool created)
    {
        var n = manifest.Organisations.Count;
        Console.WriteLine($"Consortium '{manifest.NetworkId}': {n} organisations, one voting node each; a block needs {ValidatorSet.Quorum(n)} of {n} votes, tolerating {ValidatorSet.FaultsTolerated(n)} faulty node(s).");
        var rows = manifest.Organisations.Select((m, i) => new[]
        {
            m.Name, m.Type, m.Web, m.Admin,
            passwords[i] ?? (created ? $"from {CommonOptions.PasswordVariable}" : "(shown when created)"),
        }).ToList();
        string[] header = ["organisation", "type", "web", "admin login", "password"];
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            Console.WriteLine("  " + string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }
        if (passwords.Any(p => p is not null))
        {
            Console.WriteLine("These passwords are shown only once. Each admin logs in at their own organisation's node only.");
        }
    }

    // Ready: every node answers /healthz and is connected to enough peers to make a quorum with itself.
    private static async Task<string?> WaitReady(ConsortiumManifest manifest, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var quorum = ValidatorSet.Quorum(manifest.Organisations.Count);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        var waiting = manifest.Organisations.ToList();
        while (waiting.Count > 0 && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            foreach (var member in waiting.ToList())
            {
                try
                {
                    var health = await http.GetFromJsonAsync<HealthResponse>(member.Web.TrimEnd('/') + "/healthz", ct);
                    if (health is not null && health.Peers.Count(p => p.Connected) + 1 >= quorum) waiting.Remove(member);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                }
            }
            if (waiting.Count > 0) await Task.Delay(250, CancellationToken.None);
        }
        return waiting.Count == 0 || ct.IsCancellationRequested ? null : $"not ready after 2 minutes: {string.Join(", ", waiting.Select(m => m.Name))}";
    }

    private static int Port(string url) => new Uri(url).Port;

    private static void DeleteEntry(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
