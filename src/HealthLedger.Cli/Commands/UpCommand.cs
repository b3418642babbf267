using System.CommandLine;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthLedger.Cli.Commands;

internal static class UpCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: false);
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where to listen, ';'-separated; https:// URLs use --certificate or the data folder's self-signed keys/tls.pfx (default: node.json's urls in the data folder, else {CommonOptions.DefaultUrl})",
        };
        var org = CommonOptions.Organisation();
        var contact = CommonOptions.Contact();
        var web = new WebArguments();
        var policy = new CommonOptions.PolicyOptions();
        var command = new Command("up", "Run the node with its web API. Creates a single-node network first (as 'init') when the data folder holds none; " +
            "--org, --contact and the --care-after-… options only count then (on an existing network they are ignored, with a warning).")
        {
            data, urls, org, contact, web.PublicUrl, web.Certificate, web.CertificateKey, web.HospitalName, web.Currency, web.Culture, web.NewKeystore,
        };
        foreach (var option in policy.All) command.Add(option);
        command.SetAction((parse, ct) =>
        {
            var (networkPolicy, problem) = policy.Read(parse);
            if (problem is not null) return Task.FromResult(CommonOptions.Fail(problem));
            // Options that only make a network: said when the folder already holds one (they were ignored in silence).
            var creating = new[] { (Option)org, contact }.Concat(policy.All).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (creating.Count > 0 && new DataDirectory(Path.GetFullPath(parse.GetValue(data)!)).HasNetwork)
            {
                Console.Error.WriteLine($"warning: {string.Join(" and ", creating)} only {(creating.Count == 1 ? "counts" : "count")} when up creates the network; " +
                    $"{parse.GetValue(data)} holds one already, so {(creating.Count == 1 ? "it is" : "they are")} ignored (the organisation's name and contact are on the chain; " +
                    "an admin changes the care periods with PUT /api/v1/policy).");
            }
            return Run(parse.GetValue(data)!, parse.GetValue(urls), parse.GetValue(org)!, parse.GetValue(contact)!, networkPolicy, web.Options(parse), web.Hospital(parse), ct);
        });
        return command;
    }

    /// <summary>'node': runs one node of an existing network from its data folder.</summary>
    public static Command CreateNode()
    {
        var data = CommonOptions.Data(required: true);
        var urls = new Option<string?>("--urls") { Description = "Where the web UI and API listen (default: from node.json in the data folder, else " + CommonOptions.DefaultUrl + ")" };
        var web = new WebArguments();
        var command = new Command("node", "Run one node of an existing network (a folder made by 'init', e.g. DIR/node-2). The peer endpoint listens on the address the chain records for this node.")
        {
            data, urls, web.PublicUrl, web.Certificate, web.CertificateKey, web.HospitalName, web.Currency, web.Culture, web.NewKeystore,
        };
        command.SetAction((parse, ct) => RunNode(parse.GetValue(data)!, parse.GetValue(urls), web.Options(parse), web.Hospital(parse), ct));
        return command;
    }

    /// <summary>The web-facing options of 'up' and 'node' (each overrides node.json's setting of the same name).</summary>
    private sealed class WebArguments
    {
        public Option<string?> PublicUrl { get; } = new("--public-url") { Description = "The address users reach the web UI at, printed in report printouts and QR codes (node.json: publicUrl)" };

        public Option<string?> Certificate { get; } = new("--certificate") { Description = "HTTPS certificate: a PFX file, or a PEM file (node.json: certificate; default: the self-signed keys/tls.pfx)" };

        public Option<string?> CertificateKey { get; } = new("--certificate-key") { Description = "The PEM private key of --certificate when it is a separate file (node.json: certificateKey)" };

        public Option<bool> NewKeystore { get; } = new(Storage.Keystore.MissingKeystoreOption)
        {
            Description = "Make a new, empty keystore.db when it is missing (logins kept only in it are lost; those on the chain still work); without it a missing keystore.db stops the start",
        };

        public Option<string?> HospitalName { get; } = new("--hospital-name") { Description = "The hospital's name in the header and on printouts (node.json: hospital.name; default: the organisation's name on the chain)" };

        public Option<string?> Currency { get; } = new("--currency") { Description = "The ISO 4217 code amounts are shown with, e.g. EUR, CHF, GBP (node.json: hospital.currency; default EUR)" };

        public Option<string?> Culture { get; } = new("--culture") { Description = "The UI language and date and number format, e.g. en-GB or de-DE (node.json: hospital.culture; default en-GB)" };

        /// <summary>node.json's hospital settings with those given on the command line in their place.</summary>
        public Func<HospitalSettings, HospitalSettings> Hospital(ParseResult parse)
        {
            var (name, currency, culture) = (parse.GetValue(HospitalName), parse.GetValue(Currency), parse.GetValue(Culture));
            return configured => configured with
            {
                Name = name ?? configured.Name,
                Currency = currency ?? configured.Currency,
                Culture = culture ?? configured.Culture,
            };
        }

        public NodeOptions Options(ParseResult parse) => new()
        {
            DataDirectory = "",
            PublicUrl = parse.GetValue(PublicUrl),
            CertificatePath = parse.GetValue(Certificate) is { } c ? Path.GetFullPath(c) : null,
            CertificateKeyPath = parse.GetValue(CertificateKey) is { } k ? Path.GetFullPath(k) : null,
            NewKeystore = parse.GetValue(NewKeystore),
        };
    }

    private static async Task<int> Run(string data, string? urls, string organisation, string contact, NetworkPolicy? networkPolicy, NodeOptions web,
        Func<HospitalSettings, HospitalSettings> hospital, CancellationToken cancellationToken)
    {
        // Before anything is made: a node that would take the wrong share of the machine is not started (MachineShare).
        if (MachineShare.Problem is { } share) return CommonOptions.Fail(share);
        var folder = new DataDirectory(Path.GetFullPath(data));
        if (!folder.HasNetwork)
        {
            // An address that cannot be listened on as written, or a port another program holds, would fail the start after the
            // network was made (and its password printed): said first.
            if (urls is not null && ListenUrls(folder, urls, defaultAllowed: true) is null) return 2;
            if (KestrelEndpoints.FirstProblem(urls ?? CommonOptions.DefaultUrl) is { } busy)
            {
                return CommonOptions.Fail($"cannot listen on {busy.Url}: {ListenProblem(busy)}. Nothing was created.");
            }
            var code = InitCommand.Run(data, organisation, networkPolicy: networkPolicy, contact: contact);
            if (code != 0) return code;
        }
        // --urls, else node.json's urls, else the default.
        if (ListenUrls(folder, urls, defaultAllowed: true) is not { } listen) return 2;
        return await Serve(web with { DataDirectory = folder.Root }, listen, hospital, cancellationToken);
    }

    /// <summary>
    /// Where the node listens: <paramref name="fromCommandLine"/>, else node.json's <c>urls</c>, else (<c>up</c> only, a single
    /// node) <see cref="CommonOptions.DefaultUrl"/>; null (the error printed) when node.json is not valid, an address list has an
    /// empty entry (<c>";"</c> made Kestrel fall back to its own port 5000, or to none), or a node of a network (<c>node</c>, which
    /// <c>cluster up</c> and <c>consortium up</c> run) has a node.json without an address of its own: on the default port two of
    /// them collided.
    /// </summary>
    private static string? ListenUrls(DataDirectory folder, string? fromCommandLine, bool defaultAllowed)
    {
        try
        {
            var config = fromCommandLine is null ? NodeConfig.Read(folder) : null;
            var urls = fromCommandLine ?? config?.Urls;
            if (urls is null)
            {
                // No node.json at all: a single node's folder (init writes one only for a network of several).
                if (defaultAllowed || config is null) return CommonOptions.DefaultUrl;
                CommonOptions.Fail($"{Path.Combine(folder.Root, NodeConfig.FileName)} has no \"urls\": a node of a network listens at its own address " +
                    "(init and join write it there); add it, or give --urls.");
                return null;
            }
            if (urls.Split(';').Any(string.IsNullOrWhiteSpace))
            {
                CommonOptions.Fail((fromCommandLine is null ? $"{Path.Combine(folder.Root, NodeConfig.FileName)}: urls" : "--urls") +
                    $" '{urls}' has an empty address; give one or more addresses separated by ';', e.g. {CommonOptions.DefaultUrl}.");
                return null;
            }
            if (KestrelEndpoints.AddressProblem(urls) is { } problem)
            {
                CommonOptions.Fail((fromCommandLine is null ? $"{Path.Combine(folder.Root, NodeConfig.FileName)}: urls: " : "--urls: ") + problem);
                return null;
            }
            return urls;
        }
        catch (InvalidDataException e)
        {
            CommonOptions.Fail(e.Message);
            return null;
        }
    }

    /// <summary>Free bytes on the data folder's disk under which the start warns (a node that cannot write stops at its next block).</summary>
    private const long LowDiskSpaceBytes = 64L * 1024 * 1024;

    // A node started with its disk nearly full would start, answer /healthz 200 and stop at its first block: say so at the start.
    private static void WarnOfLowDiskSpace(string folder)
    {
        if (SqliteFileProblem.FreeBytes(folder) is { } free && free < LowDiskSpaceBytes)
        {
            Console.Error.WriteLine($"warning: the disk holding {folder} has only {free:N0} bytes free: the node stops when it cannot write a block " +
                "(event 1003); free space on it (df -h names its use).");
        }
    }

    // A SQLite node's ledger.disclosures.db missing beside its ledger is made anew by the store, as on a new node; what it held
    // (reads served but not yet on the chain) cannot be told, so say that it was missing rather than nothing.
    private static void WarnOfMissingPendingDisclosures(DataDirectory data)
    {
        var ledger = data.Ledger;
        if (ledger.IsPostgres || !File.Exists(ledger.LedgerPath)) return;
        var pending = PendingDisclosureFile.PathBeside(ledger.LedgerPath);
        if (File.Exists(pending) || new FileInfo(pending).LinkTarget is not null) return; // a link or other file there: the store names it
        Console.Error.WriteLine($"warning: {PendingDisclosureFile.Described(pending)} is missing: a new, empty one is made. Reads it held " +
            "that were not yet on the chain, if any, are missing from the audit trail; if it may have held some, stop the node and restore it from a backup of the data folder.");
    }

    // ASP.NET Core buffers a request body it does not hold in memory (a page's form with a report's file or a bundle to import)
    // in its temporary folder while it reads it, in clear, in a file other local users may read: the data folder's own owner-only
    // folder instead (DataDirectory.UploadBufferPath), unless the operator names one (ASPNETCORE_TEMP, which the framework reads at
    // its first upload). Set before the node is built; made owner-only when missing, tightened when found. A link there (the
    // operator's choice of disk) is used as it is: its folder is neither tightened nor emptied. A folder that cannot be made or
    // tightened does not stop the node (only its page uploads over 30 KiB are refused, 503): a warning says so. Returns the
    // folder to empty of what a crash left once the node holds the data folder (EmptyUploadBuffer), or null.
    private static string? BufferUploadsInDataFolder(DataDirectory data)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_TEMP"))) return null;
        var folder = data.UploadBufferPath;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEMP", folder);
        try
        {
            if (new FileInfo(folder).LinkTarget is not null) return null;
            if (File.Exists(folder)) throw new IOException("a file is there, not a folder");
            OwnerOnly.CreateDirectory(folder);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: the folder for web form uploads being read, {folder}, cannot be made owner-only ({e.Message}): " +
                "uploads through the web pages over 30 KiB are refused (503) until it can; the API is not affected.");
            return null;
        }
    }

    // Removes the buffered bodies a crash left in the upload folder: only once this process holds the data folder (node.lock), so a
    // second start refused for the lock never touches the running node's uploads.
    private static void EmptyUploadBuffer(string? folder)
    {
        if (folder is null) return;
        try
        {
            foreach (var left in Directory.EnumerateFiles(folder, "ASPNETCORE_*.tmp")) File.Delete(left);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: the folder for web form uploads being read, {folder}, cannot be emptied of what an earlier run left ({e.Message}).");
        }
    }

    // A node started by 'cluster up' or 'consortium up' stops when that process is gone (ParentProcess, through the token).
    private static async Task<int> RunNode(string data, string? urls, NodeOptions web, Func<HospitalSettings, HospitalSettings> hospital, CancellationToken cancellationToken)
    {
        if (MachineShare.Problem is { } share) return CommonOptions.Fail(share);
        var folder = new DataDirectory(Path.GetFullPath(data));
        if (!folder.HasNetwork) return CommonOptions.Fail($"{folder.Root} holds no network; create one with 'healthledger init --nodes N --data DIR' first.");
        if (ListenUrls(folder, urls, defaultAllowed: false) is not { } listen) return 2;
        return await Serve(web with { DataDirectory = folder.Root }, listen, hospital, cancellationToken);
    }

    // Why an address of --urls cannot be listened on, and what to do.
    private static string ListenProblem((string Url, bool InUse, string Reason) problem) => problem.InUse
        ? "the port is in use by another program; stop it or give --urls another address"
        : $"{problem.Reason.TrimEnd('.')}; give --urls an address of this machine (an IP address it has, localhost, or * for all)";

    // True when another process holds the folder's node.lock (a node running on it); false when none does, or it cannot be told.
    private static bool LockHeldElsewhere(DataDirectory folder)
    {
        try
        {
            using var probe = new FileStream(folder.LockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<int> Serve(NodeOptions options, string urls, Func<HospitalSettings, HospitalSettings> hospital, CancellationToken cancellationToken)
    {
        Microsoft.AspNetCore.Builder.WebApplication app;
        // A disk where nothing can be made (mounted read-only, full, out of inodes, over quota) stops the start in one line, before
        // anything else is tried and warned of (the upload folder, the space left) for a node that would not start.
        if (SqliteFileProblem.NoRoom(options.DataDirectory) is { } room)
        {
            return CommonOptions.Fail($"{options.DataDirectory} cannot be written: {room}. Its content is not in question: do not restore it for this.");
        }
        // A web address another program holds is said before the start-up check (minutes on a big ledger), not by Kestrel after
        // it; unless another node holds this folder, which the start says instead (its own port is then the busy one).
        if (!LockHeldElsewhere(new DataDirectory(options.DataDirectory)) && KestrelEndpoints.FirstProblem(urls) is { } busy)
        {
            return CommonOptions.Fail($"cannot listen on {busy.Url}: {ListenProblem(busy)}.");
        }
        foreach (var named in KestrelEndpoints.NamedHosts(urls))
        {
            Console.Error.WriteLine($"warning: {named} names a host: the node listens on every address of this machine for it (as Kestrel does), " +
                "not only where the name points; give an IP address (or localhost) to listen on one.");
        }
        var uploadBuffer = BufferUploadsInDataFolder(new DataDirectory(options.DataDirectory));
        try
        {
            // node.json's hospital time settings, under the web options given on the command line; its hospital settings with
            // --hospital-name, --currency and --culture in their place.
            var fromConfig = NodeConfig.Read(new DataDirectory(options.DataDirectory))?.Options(options.DataDirectory);
            WarnOfMissingPendingDisclosures(new DataDirectory(options.DataDirectory));
            WarnOfLowDiskSpace(options.DataDirectory);
            var settings = hospital(fromConfig?.Hospital ?? HospitalSettings.Default);
            if (settings.Problems() is [var (field, message), ..]) return CommonOptions.Fail($"--{field}: {message}");
            options = options with { Hospital = settings };
            if (fromConfig is not null) options = options with { TimeZone = fromConfig.TimeZone, ClockSkew = fromConfig.ClockSkew, Admission = fromConfig.Admission, MempoolCapacity = fromConfig.MempoolCapacity };
            app = NodeHost.Build(options, urls, startupProgress: Console.WriteLine);
        }
        catch (Exception e) when (e is LedgerIntegrityException or InvalidOperationException or InvalidDataException or StoreCorruptException)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (Exception e) when (e is StoreUnavailableException or IOException or UnauthorizedAccessException)
        {
            // The ledger's database out of reach; a folder of the data folder that cannot be made or tightened (keys/web/ on a
            // read-only disk): one line, not a stack trace.
            return CommonOptions.Fail($"the node did not start: {e.Message}");
        }
        EmptyUploadBuffer(uploadBuffer); // the node holds the data folder now
        // The peer endpoint listens where the chain records this node (not at --urls): a port another program holds there is said
        // naming that address. Kestrel binds it after the web addresses, and its error was printed as the web address's.
        if (NodeHost.PeerEndpoint(app.Services.GetRequiredService<LedgerNode>(), new DataDirectory(options.DataDirectory)) is { } peer
            && KestrelEndpoints.FirstInUse(peer.AbsoluteUri) is not null)
        {
            return CommonOptions.Fail($"cannot listen on {peer.AbsoluteUri.TrimEnd('/')}, this node's peer endpoint (its address on the chain): " +
                "the port is in use by another program; stop it.");
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            return CommonOptions.Fail($"cannot listen on {urls}: {e.Message}");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // An address the socket refuses for another reason than a port in use (checked before): one line, not a stack trace.
            return CommonOptions.Fail($"cannot listen on {urls}: {e.Message.TrimEnd('.')}; give --urls an address of this machine.");
        }
        catch (InvalidOperationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        // The addresses Kestrel listens on (a port 0 shows as the port it took), the first one for the links.
        var listening = app.Urls.Count > 0 ? app.Urls.Select(u => u.TrimEnd('/')).ToList() : [urls.Split(';')[0].TrimEnd('/')];
        // An every-address one (0.0.0.0, [::]) is shown as localhost, which a browser here opens, with what it listens on.
        var url = KestrelEndpoints.Browsable(listening[0]) ?? listening[0];
        // The admission budgets in force (docs/operations.md, "Overload: admission control"): the defaults are per processor of
        // this node's share of the machine, which 'consortium up' divides among its nodes (MachineShare).
        var admission = options.Admission;
        var nodesHere = MachineShare.NodesOnMachine;
        Console.WriteLine($"Admission: at most {CommonOptions.Count(admission.Writes, "write")}, {CommonOptions.Count(admission.Uploads, "upload")} and {CommonOptions.Count(admission.Reads, "other request")} at once " +
            $"(node.json's \"admission\" sets them; the defaults are per processor: {Environment.ProcessorCount} processors" +
            (nodesHere > 1 ? $" shared by {nodesHere} nodes on this machine)." : ")."));
        // A share so small that a handful of users are refused (1024 nodes on 2 processors: 1 write, 1 upload and 1 other request
        // at once), unless node.json sets every budget itself.
        var shared = new AdmissionLimits();
        if (nodesHere > SmallShare * Environment.ProcessorCount
            && (admission.Writes == shared.Writes || admission.Uploads == shared.Uploads || admission.Reads == shared.Reads))
        {
            Console.Error.WriteLine($"warning: {MachineShare.Variable}={nodesHere} leaves this node under 1/{SmallShare} of a processor ({Environment.ProcessorCount} processors " +
                $"shared by {nodesHere} nodes): its default budgets are {CommonOptions.Count(shared.Writes, "write")}, {CommonOptions.Count(shared.Uploads, "upload")} and " +
                $"{CommonOptions.Count(shared.Reads, "other request")} at once, and requests beyond them are refused with 503 until one ends. Check the number, or set " +
                "node.json's \"admission\" (docs/operations.md, \"Overload: admission control\").");
        }
        Console.WriteLine($"HealthLedger is running at {url}  (health: {url}/healthz, API reference: {url}/api/reference)");
        if (url != listening[0]) Console.WriteLine($"Listening on every address of this machine ({listening[0]}): other machines reach it at this machine's name or address, port {KestrelEndpoints.PortOf(listening[0])}.");
        if (listening.Count > 1) Console.WriteLine($"Also listening at {string.Join(", ", listening.Skip(1))}");
        // A node of a consortium made by 'consortium up' holds its own organisation's admin, admin.<organisation id>.
        var organisation = app.Services.GetRequiredService<Node.Security.OrganisationKeys>().Id;
        var keystore = app.Services.GetRequiredService<Storage.Keystore>();
        var admin = keystore.Get(NetworkInitializer.ConsortiumAdmin(organisation)) is null
            ? NetworkInitializer.AdminUser : NetworkInitializer.ConsortiumAdmin(organisation);
        Console.WriteLine($"Log in as '{admin}' with the password printed at initialisation (or {CommonOptions.PasswordVariable}). Press Ctrl+C to stop.");
        var disclosures = app.Services.GetRequiredService<Node.Records.DisclosureRecorder>();
        await app.WaitForShutdownAsync(cancellationToken);
        // A request's write still waiting in the kernel (the disk frozen or failing) keeps the process from ending: said so.
        var stalled = new[] { keystore.Writes, disclosures.Writes }.Select(w => w.StalledSince(Node.Network.ConsensusHost.StoreHangAfter)).Min();
        if (stalled is { } since)
        {
            Console.Error.WriteLine($"warning: the node has stopped, but a write to its disk under way since {since:yyyy-MM-dd HH:mm:ss} UTC has not returned: " +
                $"the process ends once the disk holding {options.DataDirectory} answers (frozen, failing, or a network mount gone?); until then not even kill -9 ends it.");
        }
        // A node that stopped itself because it can no longer commit exits with a failure, for service managers and monitoring.
        return app.Services.GetRequiredService<Node.Network.ConsensusHost>().Halted is { } halted ? CommonOptions.Fail($"the node stopped: {halted}", 1) : 0;
    }

    // With more nodes than this per processor on the machine, a node warns at start that its share's default budgets are tiny.
    private const int SmallShare = 8;
}
