using System.CommandLine;
using HealthLedger.Node.Hosting;
using Microsoft.Extensions.Hosting;

namespace HealthLedger.Cli.Commands;

internal static class UpCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: false);
        var urls = new Option<string>("--urls") { Description = $"Where to listen (default {CommonOptions.DefaultUrl})", DefaultValueFactory = _ => CommonOptions.DefaultUrl };
        var org = CommonOptions.Organisation();
        var command = new Command("up", "Run the node with its web API. Creates a single-node network first (as 'init') when the data folder holds none.")
        {
            data, urls, org,
        };
        command.SetAction((parse, ct) => Run(parse.GetValue(data)!, parse.GetValue(urls)!, parse.GetValue(org)!, ct));
        return command;
    }

    private static async Task<int> Run(string data, string urls, string organisation, CancellationToken cancellationToken)
    {
        if (!new DataDirectory(Path.GetFullPath(data)).HasNetwork)
        {
            var code = InitCommand.Run(data, organisation);
            if (code != 0) return code;
        }
        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            app = NodeHost.Build(new NodeOptions { DataDirectory = Path.GetFullPath(data) }, urls);
        }
        catch (LedgerIntegrityException e)
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
        var url = urls.Split(';')[0].TrimEnd('/');
        Console.WriteLine($"HealthLedger is running at {url}  (health: {url}/healthz, API reference: {url}/api/reference)");
        Console.WriteLine($"Log in as 'admin' with the password printed at initialisation (or {CommonOptions.PasswordVariable}). Press Ctrl+C to stop.");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
