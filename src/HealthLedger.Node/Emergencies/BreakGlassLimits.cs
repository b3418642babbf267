using System.Threading.RateLimiting;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// The rate limit of breaking the glass (<c>POST /api/v1/patients/{id}/break-glass</c> and the <c>/emergencies/break-glass</c>
/// form): ASP.NET Core's rate limiter, a fixed window of <see cref="PermitsPerWindow"/> attempts per <see cref="Window"/> per
/// signed-in user (per client address before sign-in), granted or refused alike — every attempt writes either an access or a
/// refused-attempt entry into a patient's history, so neither a rescuer nor another user can flood it. Past it a 429 problem
/// with <c>Retry-After</c> and <see cref="Message"/>; nothing is written. GETs are not counted. A restart forgets the counts.
/// </summary>
public static class BreakGlassLimits
{
    /// <summary>The policy name.</summary>
    public const string Policy = "break-glass-per-user";

    /// <summary>Attempts per window and user.</summary>
    public const int PermitsPerWindow = 20;

    /// <summary>The window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>What a refused attempt is told.</summary>
    public static string Message(TimeSpan retryAfter) =>
        $"Too many break-glass attempts by this user ({PermitsPerWindow} an hour, granted or refused): try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes))} min.";

    /// <summary>Adds the policy to the rate limiter's options, with its rejection message.</summary>
    public static IServiceCollection AddBreakGlassLimits(this IServiceCollection services) =>
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(Policy, http => HttpMethods.IsPost(http.Request.Method)
            ? RateLimitPartition.GetFixedWindowLimiter(http.UserSession()?.UserId is { } user ? "user:" + user : "client:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = PermitsPerWindow, Window = Window, QueueLimit = 0 })
            : RateLimitPartition.GetNoLimiter("reads")))
        .AddSingleton(new RateLimitMessage(Policy, Message));
}
