using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Tests.Network;

/// <summary>Real nodes in the test process (gRPC over loopback), with short timeouts: started, stopped and waited on.</summary>
internal static class InProcessNode
{
    /// <summary>Builds and starts the node of <paramref name="folder"/> on a free web port.</summary>
    public static async Task<WebApplication> StartAsync(string folder, CancellationToken ct)
    {
        var app = NodeHost.Build(new NodeOptions
        {
            DataDirectory = folder,
            BatchDelay = TimeSpan.FromMilliseconds(5),
            PasswordHashing = Argon2Parameters.TestOnly,
            ConsensusTimeouts = new Consensus.EngineTimeouts(300, 100),
        }, "http://127.0.0.1:0", logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>Stops a node and releases its SQLite files.</summary>
    public static async Task StopAsync(WebApplication app, CancellationToken ct)
    {
        await app.StopAsync(ct);
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>Polls <paramref name="condition"/> (nodes' state, from outside their loops) for up to a minute.</summary>
    public static async Task WaitAsync(string what, Func<bool> condition, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (timeout.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50, ct);
        }
    }
}
