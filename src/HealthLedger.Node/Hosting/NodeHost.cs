using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
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
            var self = node.Validators.FirstOrDefault(v => v.Id == node.NodeId);
            var configured = NodeConfig.Read(new DataDirectory(options.DataDirectory))?.PeerUrl;
            var peerUri = self is { Address.Length: > 0 } ? new Uri(self.Address) : configured is { Length: > 0 } ? new Uri(configured) : null;
            builder.WebHost.ConfigureKestrel(k =>
            {
                // Report uploads stream up to MaxDocumentBytes; every other endpoint checks its own, smaller limit.
                k.Limits.MaxRequestBodySize = options.MaxDocumentBytes + 1024 * 1024;
                KestrelEndpoints.Listen(k, urls, peerUri);
            });
            builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f => f.MultipartBodyLengthLimit = options.MaxDocumentBytes + 1024 * 1024);
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // The web cookie keys live in keys/web with the node's other keys (same file permissions); no XML encryptor is used.
            builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
            configureLogging?.Invoke(builder.Logging);

            var data = new DataDirectory(options.DataDirectory);
            builder.Services.AddSingleton(_ => node); // a factory registration: the container disposes it with the app
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(clock ?? TimeProvider.System);
            builder.Services.AddSingleton<PeerNetwork>();
            builder.Services.AddSingleton<PeerStats>();
            builder.Services.AddSingleton<ConsensusHost>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ConsensusHost>());
            builder.Services.AddSingleton<DocumentReplicator>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DocumentReplicator>());
            builder.Services.AddGrpc(o =>
            {
                o.MaxReceiveMessageSize = PeerLink.MaxMessageBytes;
                o.MaxSendMessageSize = PeerLink.MaxMessageBytes;
            });
            builder.Services.AddSingleton(_ => Keystore.Open(data.KeystorePath));
            builder.Services.AddSingleton(_ => OrganisationKeys.Load(data, node));
            builder.Services.AddSingleton<SessionStore>();
            builder.Services.AddSingleton<AccountService>();
            builder.Services.AddHospitalModules();
            builder.Services.AddSingleton(_ => new DocumentStore(Path.Combine(data.Root, DocumentStore.FolderName)));
            builder.Services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<DocumentStore>());
            builder.Services.AddDataProtection()
                .SetApplicationName("HealthLedger")
                .PersistKeysToFileSystem(Directory.CreateDirectory(Path.Combine(data.Root, "keys", "web")));
            builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
                .AddCookie(o =>
                {
                    o.LoginPath = "/login";
                    o.LogoutPath = "/logout";
                    o.AccessDeniedPath = "/denied";
                    o.Cookie.Name = "healthledger";
                    o.Cookie.HttpOnly = true;
                    o.Cookie.SameSite = SameSiteMode.Strict;
                    o.ExpireTimeSpan = SessionStore.Lifetime;
                    o.Events.OnValidatePrincipal = context =>
                    {
                        var token = context.Principal?.FindFirst(SessionAuthenticationHandler.SessionClaim)?.Value;
                        if (context.HttpContext.RequestServices.GetRequiredService<SessionStore>().Find(token) is null) context.RejectPrincipal();
                        return Task.CompletedTask;
                    };
                })
                .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
            builder.Services.AddAuthorization();
            builder.Services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/");
                o.Conventions.AllowAnonymousToPage("/Login");
                o.Conventions.AllowAnonymousToPage("/Error");
                o.Conventions.AllowAnonymousToPage("/Verify");
            });
            builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
            builder.Services.AddProblemDetails();
            builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
            builder.Services.AddOpenApi(o => o.AddHealthLedgerTransformers());

            var app = builder.Build();
            _ = app.Services.GetRequiredService<RecordReadModel>(); // decrypt the read model before serving
            app.UseExceptionHandler();
            app.UseStatusCodePages();
            app.UseMiddleware<Web.BindingProblems>();
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new EmbeddedFileProvider(typeof(NodeHost).Assembly, "assets"), RequestPath = "/assets" });
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseMiddleware<PasswordChangeGate>();
            app.MapOpenApi();
            app.MapScalarApiReference("/api/reference");
            app.MapHealthApi();
            app.MapLedgerApi();
            app.MapTransactionsApi();
            app.MapAuthApi();
            app.MapHospitalModules();
            app.MapRazorPages();
            if (peerUri is not null)
            {
                app.MapGrpcService<PeerService>().RequireHost($"*:{peerUri.Port}");
                app.Lifetime.ApplicationStarted.Register(() => Log.PeerEndpoint(app.Logger, peerUri.ToString()));
            }
            app.Lifetime.ApplicationStarted.Register(() =>
                Log.NodeReady(app.Logger, node.NodeId, node.Network.NetworkId, node.Tip.Height, node.Tip.StateRoot.ToString()));
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                app.Services.GetRequiredService<SessionStore>().Dispose();
                app.Services.GetRequiredService<PeerNetwork>().DisposeAsync().AsTask().GetAwaiter().GetResult();
                node.Dispose();
            });
            return app;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }
}
