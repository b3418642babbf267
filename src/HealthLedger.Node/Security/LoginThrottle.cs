using System.Globalization;
using System.Threading.RateLimiting;
using HealthLedger.Node.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Security;

/// <summary>
/// Rate limits on password checks (ASP.NET Core's rate limiter), instead of locking accounts: per client address (the
/// <see cref="ClientPolicy"/> on the login endpoints, form and API, and the password change) and per account name, whether or
/// not the account exists (<see cref="Refuse"/>), so the answer never tells real accounts from unknown ones and a stranger can
/// only slow an account's logins down for the rest of one window, never lock it. Nothing is stored: a restart forgets it.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    /// <summary>The rate-limiting policy of the endpoints that check a password, partitioned by client address.</summary>
    public const string ClientPolicy = "password-checks-per-client";

    /// <summary>What a refused attempt is told.</summary>
    public static string Message(TimeSpan retryAfter) =>
        $"Too many login attempts for this account or from this address: try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture)} s.";

    private readonly PartitionedRateLimiter<string> _accounts;
    private readonly TimeSpan _window;

    /// <summary>Limits of <paramref name="options"/>.</summary>
    public LoginThrottle(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _window = options.LoginWindow;
        _accounts = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetFixedWindowLimiter(account, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.LoginAttemptsPerAccount,
            Window = options.LoginWindow,
            QueueLimit = 0,
        }), StringComparer.Ordinal);
    }

    /// <summary>
    /// Takes one attempt for <paramref name="account"/> (a normalised user name, existing or not; or another purpose's key):
    /// null when it may go ahead, or how long to wait.
    /// </summary>
    public TimeSpan? Refuse(string account)
    {
        using var lease = _accounts.AttemptAcquire(account);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : _window;
    }

    /// <summary>Registers the per-client policy (429 problem with <c>Retry-After</c>; only POSTs count).</summary>
    public static IServiceCollection AddLoginRateLimits(IServiceCollection services, NodeOptions options) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                // The node's overload refusals (503, Web.AdmissionControl) share the middleware with the endpoint policies (429).
                if (Web.AdmissionControl.IsRefusal(context.Lease))
                {
                    await Web.AdmissionControl.RefuseAsync(context);
                    return;
                }
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var r) ? r : options.LoginWindow;
                Web.TooManyRequests.SetRetryAfter(context.HttpContext, retry);
                // Each policy has its own words (RateLimitMessage); the login policies' are the default.
                var policy = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
                var message = context.HttpContext.RequestServices.GetServices<RateLimitMessage>().FirstOrDefault(m => m.Policy == policy)?.Text(retry) ?? Message(retry);
                if (Web.FhirErrors.IsFhir(context.HttpContext.Request))
                {
                    await Web.FhirErrors.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, message);
                    return;
                }
                if (BrowserRequests.WantsHtml(context.HttpContext.Request))
                {
                    // A browser gets the error page in the layout with these words (ErrorPages answers the empty 429).
                    context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    context.HttpContext.Items[BrowserRequests.MessageKey] = message;
                    return;
                }
                // The same problem as a login refused for its account (AuthApi): one type and title for every 429.
                await Web.TooManyRequests.Problem(context.HttpContext, retry, message).ExecuteAsync(context.HttpContext);
            };
            o.AddPolicy(ClientPolicy, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.LoginAttemptsPerClient,
                    Window = options.LoginWindow,
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("reads"));
        });

    /// <inheritdoc/>
    public void Dispose() => _accounts.Dispose();
}
