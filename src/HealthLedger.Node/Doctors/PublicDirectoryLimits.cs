using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Doctors;

/// <summary>
/// The rate limit of the public emergency directory (the anonymous <c>/on-call</c> page and <c>GET /api/v1/public/on-call</c>):
/// ASP.NET Core's rate limiter, a fixed window of <see cref="PermitsPerWindow"/> requests per <see cref="Window"/> per client
/// address; past it a 429 problem with <c>Retry-After</c> (the rejection answer the login limits set up).
/// </summary>
public static class PublicDirectoryLimits
{
    /// <summary>The policy name.</summary>
    public const string Policy = "public-directory-per-client";

    /// <summary>Requests per window and client address.</summary>
    public const int PermitsPerWindow = 60;

    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Adds the policy to the rate limiter's options.</summary>
    public static IServiceCollection AddPublicDirectoryLimits(this IServiceCollection services) =>
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(Policy, http =>
            RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = PermitsPerWindow,
                Window = Window,
                QueueLimit = 0,
            })))
        .AddSingleton(new Security.RateLimitMessage(Policy, Message));

    /// <summary>What a refused read is told.</summary>
    public static string Message(TimeSpan retryAfter) =>
        $"Too many requests for the public on-call directory from this address ({PermitsPerWindow} a minute): try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.";
}
