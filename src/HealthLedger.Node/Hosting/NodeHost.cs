using HealthLedger.Node.Api;
using HealthLedger.Node.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scalar.AspNetCore;

namespace HealthLedger.Node.Hosting;

/// <summary>Builds the node's web host: ledger, block producer, HTTP API, OpenAPI document and reference page.</summary>
public static class NodeHost
{
    /// <summary>
    /// Opens the data folder (running the start-up integrity check, which throws <see cref="LedgerIntegrityException"/>)
    /// and builds the web application listening on <paramref name="urls"/>.
    /// </summary>
    public static WebApplication Build(NodeOptions options, string urls, Action<ILoggingBuilder>? configureLogging = null, TimeProvider? clock = null)
    {
        var node = LedgerNode.Open(options);
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(NodeHost).Assembly.GetName().Name,
                ContentRootPath = AppContext.BaseDirectory,
            });
            builder.WebHost.UseUrls(urls);
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 8 * 1024 * 1024);
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            configureLogging?.Invoke(builder.Logging);

            builder.Services.AddSingleton(node);
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(clock ?? TimeProvider.System);
            builder.Services.AddHostedService<BlockProducer>();
            builder.Services.AddProblemDetails();
            builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "HealthLedger node API";
                doc.Info.Version = "v1";
                doc.Info.Description = "Submit signed transactions, read blocks and follow the node's health.";
                return Task.CompletedTask;
            }));

            var app = builder.Build();
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.MapOpenApi();
            app.MapScalarApiReference("/api/reference");
            app.MapHealthApi();
            app.MapLedgerApi();
            app.MapTransactionsApi();
            app.MapGet("/", () => Results.Redirect("/api/reference")).ExcludeFromDescription();
            app.Lifetime.ApplicationStarted.Register(() =>
                Log.NodeReady(app.Logger, node.NodeId, node.Network.NetworkId, node.Tip.Height, node.Tip.StateRoot.ToString()));
            app.Lifetime.ApplicationStopped.Register(node.Dispose);
            return app;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }
}
