using System.CommandLine;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthLedger.Cli.Commands;

internal static class UpCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: false);
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen, ';'-separated; https:// URLs use --certificate or the data folder's self-signed keys/tls.pfx (default {CommonOptions.DefaultUrl})",
            DefaultValueFactory = _ => CommonOptions.DefaultUrl,
        };
        var org = CommonOptions.Organisation();
        var web = new WebArguments();
        var policy = new CommonOptions.PolicyOptions();
        var command = new Command("up", "Run the node with its web API. Creates a single-node network first (as 'init') when the data folder holds none; " +
            "the --care-after-… options only count then.")
        {
            data, urls, org, web.PublicUrl, web.Certificate, web.CertificateKey,
        };
        foreach (var option in policy.All) command.Add(option);
        command.SetAction((parse, ct) =>
        {
            var (networkPolicy, problem) = policy.Read(parse);
            return problem is not null
                ? Task.FromResult(CommonOptions.Fail(problem))
                : Run(parse.GetValue(data)!, parse.GetValue(urls)!, parse.GetValue(org)!, networkPolicy, web.Options(parse), ct);
        });
        return command;
    }

    /// <summary>'node': runs one node of an existing network from its data folder.</summary>
    public static Command CreateNode()
    {
        var data = CommonOptions.Data(required: true);
        var urls = new Option<string?>("--urls") { Description = "Where the web UI and API listen (default: from node.json in the data folder, else " + CommonOptions.DefaultUrl + ")" };
        var parent = new Option<int?>("--parent-pid") { Description = "Stop when this process exits ('cluster up' passes its own id)", Hidden = true }.WholeNumber(1, int.MaxValue);
        var web = new WebArguments();
        var command = new Command("node", "Run one node of an existing network (a folder made by 'init', e.g. DIR/node-2). The peer endpoint listens on the address the chain records for this node.")
        {
            data, urls, parent, web.PublicUrl, web.Certificate, web.CertificateKey,
        };
        command.SetAction((parse, ct) => RunNode(parse.GetValue(data)!, parse.GetValue(urls), parse.GetValue(parent), web.Options(parse), ct));
        return command;
    }

    /// <summary>The web-facing options of 'up' and 'node' (each overrides node.json's setting of the same name).</summary>
    private sealed class WebArguments
    {
        public Option<string?> PublicUrl { get; } = new("--public-url") { Description = "The address users reach the web UI at, printed in report printouts and QR codes (node.json: publicUrl)" };

        public Option<string?> Certificate { get; } = new("--certificate") { Description = "HTTPS certificate: a PFX file, or a PEM file (node.json: certificate; default: the self-signed keys/tls.pfx)" };

        public Option<string?> CertificateKey { get; } = new("--certificate-key") { Description = "The PEM private key of --certificate when it is a separate file (node.json: certificateKey)" };

        public NodeOptions Options(ParseResult parse) => new()
        {
            DataDirectory = "",
            PublicUrl = parse.GetValue(PublicUrl),
            CertificatePath = parse.GetValue(Certificate) is { } c ? Path.GetFullPath(c) : null,
            CertificateKeyPath = parse.GetValue(CertificateKey) is { } k ? Path.GetFullPath(k) : null,
        };
    }

    private static async Task<int> Run(string data, string urls, string organisation, NetworkPolicy? networkPolicy, NodeOptions web, CancellationToken cancellationToken)
    {
        if (!new DataDirectory(Path.GetFullPath(data)).HasNetwork)
        {
            var code = InitCommand.Run(data, organisation, networkPolicy: networkPolicy);
            if (code != 0) return code;
        }
        return await Serve(web with { DataDirectory = Path.GetFullPath(data) }, urls, cancellationToken);
    }

    private static async Task<int> RunNode(string data, string? urls, int? parentPid, NodeOptions web, CancellationToken cancellationToken)
    {
        if (parentPid is { } pid)
        {
            // A node started by 'cluster up' must not outlive it, even when it is killed without a chance to stop its children.
            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cancellationToken = linked.Token;
            _ = Task.Run(async () =>
            {
                try
                {
                    using var parent = System.Diagnostics.Process.GetProcessById(pid);
                    await parent.WaitForExitAsync(cancellationToken);
                }
                catch (ArgumentException)
                {
                    // already gone
                }
                await linked.CancelAsync();
            }, CancellationToken.None);
        }
        var folder = new DataDirectory(Path.GetFullPath(data));
        if (!folder.HasNetwork) return CommonOptions.Fail($"{folder.Root} holds no network; create one with 'healthledger init --nodes N --data DIR' first.");
        try
        {
            urls ??= NodeConfig.Read(folder)?.Urls ?? CommonOptions.DefaultUrl;
        }
        catch (InvalidDataException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        return await Serve(web with { DataDirectory = folder.Root }, urls, cancellationToken);
    }

    private static async Task<int> Serve(NodeOptions options, string urls, CancellationToken cancellationToken)
    {
        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            // node.json's hospital time settings, under the web options given on the command line.
            var fromConfig = NodeConfig.Read(new DataDirectory(options.DataDirectory))?.Options(options.DataDirectory);
            app = NodeHost.Build(fromConfig is null ? options : options with { TimeZone = fromConfig.TimeZone, ClockSkew = fromConfig.ClockSkew }, urls);
        }
        catch (Exception e) when (e is LedgerIntegrityException or InvalidOperationException or InvalidDataException)
        {
            return CommonOptions.Fail(e.Message);
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            return CommonOptions.Fail($"cannot listen on {urls}: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            return CommonOptions.Fail(e.Message);
        }
        var url = urls.Split(';')[0].TrimEnd('/');
        Console.WriteLine($"HealthLedger is running at {url}  (health: {url}/healthz, API reference: {url}/api/reference)");
        // A node of a consortium made by 'consortium up' holds its own organisation's admin, admin.<organisation id>.
        var organisation = app.Services.GetRequiredService<Node.Security.OrganisationKeys>().Id;
        var admin = app.Services.GetRequiredService<Storage.Keystore>().Get(NetworkInitializer.ConsortiumAdmin(organisation)) is null
            ? NetworkInitializer.AdminUser : NetworkInitializer.ConsortiumAdmin(organisation);
        Console.WriteLine($"Log in as '{admin}' with the password printed at initialisation (or {CommonOptions.PasswordVariable}). Press Ctrl+C to stop.");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
