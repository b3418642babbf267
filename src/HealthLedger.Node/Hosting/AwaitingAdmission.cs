using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// What answers at a newcomer node's peer address while it waits to be admitted (<c>healthledger join --wait-minutes</c>):
/// HTTP/2 like the peer endpoint, 503 "awaiting admission" to every request. The members' nodes probe the address before
/// they propose the node (<c>Consortium/NodeProbe</c>).
/// </summary>
public sealed class AwaitingAdmission : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AwaitingAdmission(WebApplication app) => _app = app;

    /// <summary>Listens on <paramref name="peerListen"/> (an http:// address).</summary>
    public static async Task<AwaitingAdmission> StartAsync(string peerListen, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(peerListen);
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("HealthLedger node awaiting admission to the consortium\n", context.RequestAborted);
        });
        await app.StartAsync(ct);
        return new AwaitingAdmission(app);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
