using System.Globalization;
using System.Threading.RateLimiting;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Web;

/// <summary>
/// Overload is answered at once, never by collapsing latency: the node takes on at most <see cref="AdmissionLimits.Writes"/>
/// writes (each waits for its block) and <see cref="AdmissionLimits.Reads"/> other requests at a time
/// (<see cref="AdmissionLimiter"/>, the global limiter of ASP.NET Core's rate-limiting middleware); any beyond is refused before
/// it does any work with 503, <c>Retry-After</c> and an RFC 9457 problem (title "Busy"), or for a browser the "Busy" page in the
/// layout that says nothing was saved and to send the form again. A write the mempool has no room for
/// (<see cref="AdmissionLimits.Mempool"/>) gets the same answer from its endpoint (<c>OutcomeKind.Busy</c>). Every 503 the node
/// sends carries <c>Retry-After</c> (<see cref="UseRetryAfterOnBusy"/>). A refused read has disclosed nothing, so there is
/// no disclosure to record; an admitted read records its disclosure as before (stored, then committed, never dropped).
/// </summary>
public static class AdmissionControl
{
    /// <summary>The problem type of a refusal (RFC 9110 §15.6.4, 503 Service Unavailable).</summary>
    public const string ProblemType = "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4";

    /// <summary>
    /// Set in <see cref="HttpContext.Items"/> on a 503 that waiting will not mend (a node stopping for damage): no
    /// <c>Retry-After</c> is added to it (<see cref="UseRetryAfterOnBusy"/>).
    /// </summary>
    public const string NoRetryKey = "HealthLedger.NoRetry";

    /// <summary>What a refused request is told.</summary>
    public static string Message(TimeSpan retryAfter) =>
        $"The node is busy with other work: nothing was done or saved. Try again in {Seconds(retryAfter).ToString(CultureInfo.InvariantCulture)} s.";

    /// <summary>Registers the limiter (<see cref="AdmissionLimiter"/>) as the rate-limiting middleware's global limiter.</summary>
    public static IServiceCollection AddAdmissionControl(this IServiceCollection services, AdmissionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var limiter = new AdmissionLimiter(limits);
        services.AddSingleton(limiter);
        return services.Configure<RateLimiterOptions>(o => o.GlobalLimiter = limiter);
    }

    /// <summary>True when <paramref name="lease"/> is an admission refusal (not an endpoint policy's).</summary>
    public static bool IsRefusal(RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return !lease.IsAcquired && lease.TryGetMetadata(AdmissionLimiter.RefusalMarker, out _);
    }

    /// <summary>What an upload refused because its caller holds <paramref name="perCaller"/> uploads already is told.</summary>
    public static string UploadsMessage(int perCaller, TimeSpan retryAfter) =>
        $"Too many uploads in progress at once by this user or address (at most {perCaller.ToString(CultureInfo.InvariantCulture)}): nothing was done or saved. " +
        $"Try again in {Seconds(retryAfter).ToString(CultureInfo.InvariantCulture)} s, once one has finished.";

    /// <summary>
    /// Answers a refused request: 503, <c>Retry-After</c>, a problem (or the browser's "Busy" page, drawn by <see cref="ErrorPages"/>);
    /// an upload refused for its caller's share (<see cref="AdmissionLimiter.UploadsPerCaller"/>) is the caller's limit, not the
    /// node's overload: 429 and the problem every 429 has (<see cref="TooManyRequests"/>).
    /// </summary>
    public static async Task RefuseAsync(OnRejectedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var limiter = http.RequestServices.GetService<AdmissionLimiter>();
        limiter?.Refusing(context.Lease);
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var r) ? r : TimeSpan.FromSeconds(1);
        var perCaller = context.Lease.TryGetMetadata(AdmissionLimiter.RefusalMarker, out var budget) && budget is AdmissionLimiter.UploadsPerCallerBudget;
        await RefuseAsync(http, retry, perCaller ? UploadsMessage(limiter?.UploadsPerCaller ?? 1, retry) : null);
    }

    /// <summary>Answers a request refused for the node's overload before it did any work: 503, <c>Retry-After</c>, the "Busy" problem (or the browser's "Busy" page).</summary>
    public static Task RefuseAsync(HttpContext http, TimeSpan retry) => RefuseAsync(http, retry, null);

    /// <summary>
    /// Answers a request refused before its body was read because its caller's bodies already arriving hold their share
    /// (<see cref="AdmissionLimiter.BodyBytesPerCaller"/>): the caller's limit, not the node's overload: 429, <c>Retry-After</c>
    /// and the problem every 429 has (<see cref="TooManyRequests"/>).
    /// </summary>
    public static Task RefuseCallerBodiesAsync(HttpContext http, TimeSpan retry, long perCallerBytes) =>
        RefuseAsync(http, retry, BodiesMessage(perCallerBytes, retry));

    /// <summary>What a request refused because its caller's bodies already arriving hold <paramref name="perCallerBytes"/> is told.</summary>
    public static string BodiesMessage(long perCallerBytes, TimeSpan retryAfter) =>
        $"Too many request bodies arriving at once from this user or address (at most {(perCallerBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture)} MiB): " +
        $"nothing was done or saved. Try again in {Seconds(retryAfter).ToString(CultureInfo.InvariantCulture)} s, once one has arrived.";

    // 503 for the node's overload; 429 with callerMessage when the caller is over its own share (of the uploads budget, or of
    // the bodies arriving).
    private static async Task RefuseAsync(HttpContext http, TimeSpan retry, string? callerMessage)
    {
        ArgumentNullException.ThrowIfNull(http);
        var perCaller = callerMessage is not null;
        var status = perCaller ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
        http.Response.StatusCode = status;
        http.Response.Headers.RetryAfter = Seconds(retry).ToString(CultureInfo.InvariantCulture);
        var message = callerMessage ?? Message(retry);
        if (FhirErrors.IsFhir(http.Request))
        {
            await FhirErrors.WriteAsync(http, status, message);
            return;
        }
        if (BrowserRequests.WantsHtml(http.Request))
        {
            http.Items[BrowserRequests.MessageKey] = message;
            return;
        }
        await (perCaller ? TooManyRequests.Problem(http, retry, message) : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: message, type: ProblemType))
            .ExecuteAsync(http);
    }

    /// <summary>Adds <c>Retry-After</c> (the configured seconds) to any 503 that has none, such as a write the mempool had no room for.</summary>
    public static IApplicationBuilder UseRetryAfterOnBusy(this IApplicationBuilder app, AdmissionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var seconds = limits.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && !context.Response.Headers.ContainsKey("Retry-After")
                    && !context.Items.ContainsKey(NoRetryKey))
                {
                    context.Response.Headers.RetryAfter = seconds;
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}
