using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Network;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using HealthLedger.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Scalar.AspNetCore;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// Builds the node's web host: ledger, block producer, HTTP API, OpenAPI document and reference page; HTTPS with its
/// certificate (<see cref="WebCertificate"/>), HSTS and Secure cookies when on HTTPS, forwarded headers from trusted proxies.
/// </summary>
public static class NodeHost
{
    /// <summary>How long a stop may take before the node says it waits for its disk (event 1029): 10 s, before the command's
    /// own limit of 14 s cuts the stop off.</summary>
    public static readonly TimeSpan StopWaitWarning = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The world-state size (keys) from which a start ends with one compacting, memory-returning garbage collection: 20,000,
    /// about 2,000 patients' worth of entries. Below it the start's garbage is a few megabytes, and the collection, which walks
    /// the whole process's heap, would cost more than it returns.
    /// </summary>
    public const int CompactAfterStateEntries = 20_000;

    /// <summary>
    /// One compacting collection that hands the memory a start (or its integrity sweep) left behind back to the system, so the
    /// node's resident memory is what it holds, not the peak of the load; only from <see cref="CompactAfterStateEntries"/>
    /// state entries: the collection walks the whole process's heap (3-4 s at 100,000 patients), and a process hosting many
    /// small nodes (the tests) paid it at every start (the Node tests took 3 minutes, then over 10).
    /// </summary>
    public static void HandBackGarbage(LedgerNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.StateEntries >= CompactAfterStateEntries) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>
    /// Where the node's peer endpoint listens: the address the chain records for it (a validator or observer), else node.json's
    /// <c>peerUrl</c> (a node waiting to be admitted), else null (a single node has none).
    /// </summary>
    public static Uri? PeerEndpoint(LedgerNode node, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(node);
        var self = node.Validators.Concat(node.Observers).FirstOrDefault(v => v.Id == node.NodeId);
        var configured = NodeConfig.Read(data)?.PeerUrl;
        return self is { Address.Length: > 0 } ? new Uri(self.Address) : configured is { Length: > 0 } ? new Uri(configured) : null;
    }

    /// <summary>
    /// Opens the data folder (running the start-up integrity check, which throws <see cref="LedgerIntegrityException"/>)
    /// and builds the web application listening on <paramref name="urls"/>.
    /// </summary>
    /// <remarks>
    /// <paramref name="startupProgress"/>, when given, hears a line as each long step of the start begins and ends (the
    /// integrity check, opening the organisation's records), with its duration: <c>healthledger up</c> prints them.
    /// </remarks>
    public static WebApplication Build(NodeOptions options, string urls, Action<ILoggingBuilder>? configureLogging = null, TimeProvider? clock = null,
        Action<string>? startupProgress = null)
    {
        var node = LedgerNode.Open(options, startupProgress);
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(NodeHost).Assembly.GetName().Name,
                ContentRootPath = AppContext.BaseDirectory,
            });
            var data = new DataDirectory(options.DataDirectory);
            var peerUri = PeerEndpoint(node, data);
            var web = WebOptions.Resolve(options, NodeConfig.Read(data), urls);
            var certificate = urls.Contains("https://", StringComparison.OrdinalIgnoreCase) ? WebCertificate.Load(web, data, clock ?? TimeProvider.System) : null;
            builder.WebHost.ConfigureKestrel(k =>
            {
                // Report uploads stream up to MaxDocumentBytes; every other endpoint checks its own, smaller limit.
                k.Limits.MaxRequestBodySize = options.MaxDocumentBytes + 1024 * 1024;
                KestrelEndpoints.Listen(k, urls, peerUri, certificate is null ? null : () => certificate);
            });
            builder.Services.AddSingleton(web);
            // Over HTTPS the sign-in cookie is Secure always; otherwise it follows its request (a trusted proxy's forwarded scheme
            // included). The anti-forgery and temp-data cookies are Secure always only when no listener is plain HTTP: ASP.NET Core
            // refuses (500) to issue an always-Secure anti-forgery cookie on a plain HTTP request.
            var cookieSecurity = web.Https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            var formCookieSecurity = web.HttpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = formCookieSecurity);
            builder.Services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(o => o.Cookie.SecurePolicy = formCookieSecurity);
            builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
            builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f => f.MultipartBodyLengthLimit = options.MaxDocumentBytes + 1024 * 1024);
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // The host's "Hosting failed to start" (event 11, with a stack trace) repeats what the command says in one line (a busy
            // port: "error: cannot listen on …"); a background service's failure stays, as the host's critical event 10.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            // The web cookie keys live in keys/web with the node's other keys (same file permissions); no XML encryptor is used.
            builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
            configureLogging?.Invoke(builder.Logging);

            builder.Services.AddSingleton(_ => node); // a factory registration: the container disposes it with the app
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(clock ?? TimeProvider.System);
            var hospitalFormat = new HospitalFormat(options.Hospital); // checks the currency and culture at start
            builder.Services.AddSingleton(new HospitalTime(options, clock ?? TimeProvider.System)); // checks the zone and skew at start
            builder.Services.AddSingleton(hospitalFormat);
            builder.Services.AddLocalization();
            builder.Services.AddSingleton<PeerNetwork>();
            builder.Services.AddSingleton<PeerStats>();
            builder.Services.AddSingleton<Chain.StoreProbe>();
            builder.Services.AddSingleton<ConsensusHost>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ConsensusHost>());
            builder.Services.AddSingleton<IntegritySweep>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<IntegritySweep>());
            builder.Services.AddSingleton<DocumentReplicator>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DocumentReplicator>());
            builder.Services.AddSingleton<PeerAuthenticator>();
            builder.Services.AddGrpc(o =>
            {
                o.MaxReceiveMessageSize = PeerLink.MaxMessageBytes;
                o.MaxSendMessageSize = PeerLink.MaxMessageBytes;
                o.IgnoreUnknownServices = true;
            }).AddServiceOptions<PeerService>(o => o.Interceptors.Add<PeerAuthenticator>());
            // Opened now, so that a missing or unreadable keystore stops the start in one line rather than the first login.
            var keystore = Keystore.Open(data.KeystorePath, create: options.NewKeystore);
            builder.Services.AddSingleton(_ => keystore);
            builder.Services.AddSingleton(_ => OrganisationKeys.Load(data, node));
            builder.Services.AddSingleton(new CategoryKeyCache(data.CategoryKeyCachePath));
            builder.Services.AddSingleton(sp => new EntrySummaryCache(data.EntrySummaryCachePath, sp.GetRequiredService<OrganisationKeys>(), node.Network.NetworkId));
            builder.Services.AddSingleton<SessionStore>();
            builder.Services.AddSingleton<LoginThrottle>();
            builder.Services.AddSingleton<PasswordCheckGate>();
            LoginThrottle.AddLoginRateLimits(builder.Services, options);
            builder.Services.AddAdmissionControl(options.Admission);
            builder.Services.AddSingleton<AccountService>();
            builder.Services.AddHostedService<LoginPublisher>();
            builder.Services.AddHospitalModules();
            builder.Services.AddSingleton(_ => new DocumentStore(Path.Combine(data.Root, DocumentStore.FolderName)));
            builder.Services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<DocumentStore>());
            builder.Services.AddDataProtection()
                .SetApplicationName("HealthLedger")
                .PersistKeysToFileSystem(OwnerOnly.CreateDirectory(Path.Combine(data.Root, "keys", "web")));
            builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
                .AddCookie(o =>
                {
                    o.LoginPath = "/login";
                    o.LogoutPath = "/logout";
                    o.AccessDeniedPath = "/denied";
                    o.Cookie.Name = "healthledger";
                    o.Cookie.HttpOnly = true;
                    o.Cookie.SameSite = SameSiteMode.Strict;
                    o.Cookie.SecurePolicy = cookieSecurity;
                    o.ExpireTimeSpan = SessionStore.Lifetime;
                    o.Events.OnValidatePrincipal = context =>
                    {
                        var token = context.Principal?.FindFirst(SessionAuthenticationHandler.SessionClaim)?.Value;
                        if (context.HttpContext.RequestServices.GetRequiredService<SessionStore>().Find(token) is null)
                        {
                            context.RejectPrincipal();
                            context.HttpContext.Items[LoginRedirect.SessionEndedKey] = true;
                        }
                        return Task.CompletedTask;
                    };
                    o.Events.OnRedirectToLogin = LoginRedirect.Redirect;
                })
                .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
            builder.Services.AddAuthorization();
            builder.Services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/");
                o.Conventions.AllowAnonymousToPage("/Login");
                o.Conventions.AllowAnonymousToPage("/Error");
                o.Conventions.AllowAnonymousToPage("/Verify");
                o.Conventions.ConfigureFilter(new Web.UnknownPageHandlerFilter()); // no page rendered with no handler run
                o.Conventions.ConfigureFilter(new Web.FormReadFilter()); // a form the reader refuses is told why, not "it may have expired"
                o.Conventions.ConfigureFilter(new Web.RepeatedFormFieldsFilter()); // a field given twice refuses the form (RepeatedFormFields)
            }).AddMvcOptions(o => o.ModelBinderProviders.Insert(0, new Web.RepeatedFormFields()));
            builder.Services.ConfigureHttpJsonOptions(o =>
            {
                o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
                // A number is a JSON number: "7" is not 7 (the web defaults read numbers from strings).
                o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
                // A field given twice ({"ward":"A","ward":"B"}, or "ward" and "Ward") is refused naming it, not read as its last
                // value (RFC 8259 §4: names "SHOULD be unique"; what a second copy means is up to each reader).
                o.SerializerOptions.AllowDuplicateProperties = false;
            });
            // Every problem names its type (RFC 9457 §3.1.1); the framework's table has none for 429. A write taken but not yet
            // committed (202) points at its transaction's status with Location as well as in its body (RFC 9110 §15.3.3).
            builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            {
                c.ProblemDetails.Type ??= c.ProblemDetails.Status == StatusCodes.Status429TooManyRequests ? "https://www.rfc-editor.org/rfc/rfc6585#section-4" : null;
                if (c.ProblemDetails.Status == StatusCodes.Status202Accepted && c.ProblemDetails.Extensions.TryGetValue("transaction", out var status)
                    && status is string location && !c.HttpContext.Response.HasStarted)
                {
                    c.HttpContext.Response.Headers.Location = location;
                }
            });
            builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
            builder.Services.AddOpenApi(o => o.AddHealthLedgerTransformers());

            var app = builder.Build();
            // The keystore opened before the records: a damaged one stops the start at once, in one line (StoreCorruptException).
            _ = app.Services.GetRequiredService<Keystore>();
            // The check's garbage (its rows, decoded blocks) handed back before the records are opened, not beside them: the
            // start's peak is then the records' load on what the node keeps (docs/benchmarks.md, "The entry heads kept whole").
            HandBackGarbage(node);
            startupProgress?.Invoke("Opening the organisation's records...");
            var opening = System.Diagnostics.Stopwatch.StartNew();
            _ = app.Services.GetRequiredService<RecordReadModel>(); // decrypt the read model before serving
            var entries = app.Services.GetRequiredService<EntryStore>();
            var (fromFile, openedNow) = entries.LoadedAtStart;
            var oneByOne = entries.KeptFileNotOpened ? " (it did not open: another organisation's or network's, altered, truncated or of an older format; written anew)"
                : entries.KeptWholeAtStart || fromFile == 0 ? "" : ", matched one by one";
            // A category key cache that is there but does not open is said too (its keys were opened from the chain instead).
            var keys = app.Services.GetRequiredService<CategoryKeyring>().CacheLoad == CategoryKeyCache.LoadResult.Rejected
                ? " The category key cache did not open (another organisation's, altered, truncated, or not a file with content): its keys were opened from the chain and it was written anew."
                : "";
            startupProgress?.Invoke(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Records opened in {opening.Elapsed.TotalSeconds:0.0} s (entries: {fromFile:N0} from the kept heads file{oneByOne}, {openedNow:N0} opened from their ciphertexts).{keys}"));
            // The start-up check and the load leave behind garbage larger than what they keep (decoded blocks, ciphertexts,
            // plaintexts): handed back before the node answers, so that its resident memory is what it holds, not the peak of the
            // load. An integrity sweep that follows hands back its own when it has passed (docs/benchmarks.md, "Memory after start").
            HandBackGarbage(node);
            app.Services.GetRequiredService<AccountService>().FollowPublishedLogins();
            app.UseRoutingWithHead(); // first, where the host would route: HEAD is answered wherever GET is
            app.UseSecurityHeaders();
            if (peerUri is not null) app.UsePeerPortGate(peerUri.Port);
            if (web.KnownProxies.Count > 0)
            {
                var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
                forwarded.KnownIPNetworks.Clear();
                forwarded.KnownProxies.Clear();
                foreach (var proxy in web.KnownProxies) forwarded.KnownProxies.Add(proxy);
                app.UseForwardedHeaders(forwarded);
            }
            // A body over its endpoint's cap (or otherwise unreadable) is the client's error (413/400 problem), never a 500.
            // A browser gets the error page in the layout (ErrorPages, outside the exception handler), the API a problem document.
            app.UseHospitalCulture(hospitalFormat); // before the error pages, so they speak the hospital's language too
            app.UseErrorPages(options);
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                StatusCodeSelector = e => e switch
                {
                    BadHttpRequestException bad => bad.StatusCode,
                    // A stored state value that does not match the chain: the node is stopping (ConsensusHost).
                    Core.State.StateValueMismatchException => StatusCodes.Status503ServiceUnavailable,
                    // The node's own storage failing (the ledger's database out of reach, a document, the temporary folder, the
                    // web sign-in keys, the keystore): 503 with Retry-After, said so and logged (ErrorPages.IsStorageFault).
                    _ when Web.ErrorPages.IsStorageFault(e) => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status500InternalServerError,
                },
                ExceptionHandler = Web.ErrorPages.HandleException,
                // Damage is logged once by the node (event 1013, the key only), and the database out of reach in one line per
                // request (event 1015, ErrorPages.HandleException), not with a stack trace each.
                // A session that ended while its request ran is answered 401 (ErrorPages.SessionEndedUnder), not logged as a failure.
                SuppressDiagnosticsCallback = c => c.Exception is Core.State.StateValueMismatchException || Web.ErrorPages.IsStorageFault(c.Exception)
                    || Web.ErrorPages.SessionEndedUnder(c.HttpContext, c.Exception),
            });
            app.UseHsts(); // only on HTTPS requests (a trusted proxy's forwarded https included), never for localhost
            app.UseMiddleware<Web.BindingProblems>();
            // Browsers ask for /favicon.ico whatever the page links: answer it with the SVG icon rather than a logged 404.
            app.Use((context, next) =>
            {
                if (context.Request.Path.Equals("/favicon.ico", StringComparison.OrdinalIgnoreCase)) context.Request.Path = "/assets/favicon.svg";
                return next(context);
            });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new EmbeddedFileProvider(typeof(NodeHost).Assembly, "assets"), RequestPath = "/assets" });
            app.UseAuthentication();
            // After authentication (nothing before reads a body): an upload page open to anyone (/verify) caps a caller without a
            // session as any anonymous endpoint, before the body is read.
            app.UseRequestBodyLimits(options);
            app.UseAuthorization();
            app.UseRetryAfterOnBusy(options.Admission);
            app.UseBodyBeforeAdmission(); // a permit is held by a request the node can work on, not by a client still sending its body
            app.UseRateLimiter(); // after authorization: the break-glass policy counts per signed-in user; the global limiter is admission control
            app.UseMiddleware<PasswordChangeGate>();
            app.UseMiddleware<Web.IdempotencyKeys>(); // after authorization: keys are per signed-in user
            app.UseDisclosureDurability(); // reads wait for their disclosures' store write without a thread, before the answer starts
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
                app.MapGrpcService<PeerService>(); // on the peer port only (PeerPortGate)
                app.Lifetime.ApplicationStarted.Register(() => Log.PeerEndpoint(app.Logger, peerUri.ToString()));
            }
            if (node.UnusableCheckedRecord is { } unusable) Log.CheckedRecordUnusable(app.Logger, CheckedPrefix.FileName, unusable);
            if (node.UnusableStateTree is { } unusableTree) Log.StateTreeUnusable(app.Logger, StateTreeFile.FileName, unusableTree);
            app.Lifetime.ApplicationStarted.Register(() =>
                Log.NodeReady(app.Logger, node.NodeId, node.Network.NetworkId, node.Tip.Height, node.Tip.StateRoot.ToString()));
            // A stop that does not end because a write on the way out does not return (the disk frozen or failing: the process
            // waits in the kernel, saying nothing) is said once, after StopWaitWarning (event 1029); cancelled when the clean-up ends.
            Timer? stopWatch = null;
            app.Lifetime.ApplicationStopping.Register(() => stopWatch = new Timer(_ => Log.StopWaitsForDisk(app.Logger, StopWaitWarning.TotalSeconds, options.DataDirectory),
                null, StopWaitWarning, Timeout.InfiniteTimeSpan));
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                app.Services.GetRequiredService<SessionStore>().Dispose();
                certificate?.Dispose();
                app.Services.GetRequiredService<PeerNetwork>().DisposeAsync().AsTask().GetAwaiter().GetResult();
                node.Dispose();
                // Its last connection closed, SQLite checkpoints keystore.db and removes its -wal and -shm (they were left behind).
                app.Services.GetRequiredService<Keystore>().Dispose();
                stopWatch?.Dispose();
            });
            // Registered after the clean-up above, so run before it (a token runs its callbacks last registered first, each even
            // when another throws): the entries committed since start, for the next start (consensus has stopped; the ledger
            // is still open).
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                // Not after a read found the stored state changed (the node is stopping for it, event 1013): the next start refuses.
                if (node.StateDamage is not null) return;
                try
                {
                    // Stamped with the tip only when its block has been applied to the read model (read before the heads are).
                    var tip = node.Tip;
                    var at = node.AppliedHeight == tip.Height ? new EntryHeadsStamp(tip.Height, tip.StateRoot) : null;
                    app.Services.GetRequiredService<EntryStore>().SaveSummaries(at);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Core.State.StateValueMismatchException)
                {
                    Log.EntrySummariesNotSaved(app.Logger, e.Message);
                }
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
