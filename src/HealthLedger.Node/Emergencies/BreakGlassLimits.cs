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
/// with <c>Retry-After</c> and <see cref="Message"/>; nothing is written. GETs are not counted there; the emergency summary
/// (whose refused reads are recorded too) has its own policy, <see cref="SummaryPolicy"/>. A restart forgets the counts.
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

    /// <summary>
    /// The policy of the emergency summary (<c>GET /api/v1/patients/{id}/emergency-summary</c> and its page): every read counts,
    /// since a read without an access in force is recorded as a refused attempt.
    /// </summary>
    public const string SummaryPolicy = "emergency-summary-per-user";

    /// <summary>Summary reads per window and user.</summary>
    public const int SummaryReadsPerWindow = 120;

    /// <summary>What a refused summary read is told.</summary>
    public static string SummaryMessage(TimeSpan retryAfter) =>
        $"Too many emergency-summary reads by this user ({SummaryReadsPerWindow} an hour): try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes))} min.";

    /// <summary>Adds the policies to the rate limiter's options, with their rejection messages.</summary>
    public static IServiceCollection AddBreakGlassLimits(this IServiceCollection services) =>
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(Policy, http => HttpMethods.IsPost(http.Request.Method)
            ? RateLimitPartition.GetFixedWindowLimiter(http.Caller(), _ => new FixedWindowRateLimiterOptions { PermitLimit = PermitsPerWindow, Window = Window, QueueLimit = 0 })
            : RateLimitPartition.GetNoLimiter("reads")))
        .Configure<RateLimiterOptions>(o => o.AddPolicy(SummaryPolicy, http =>
            RateLimitPartition.GetFixedWindowLimiter(http.Caller(), _ => new FixedWindowRateLimiterOptions { PermitLimit = SummaryReadsPerWindow, Window = Window, QueueLimit = 0 })))
        .AddSingleton(new RateLimitMessage(Policy, Message))
        .AddSingleton(new RateLimitMessage(SummaryPolicy, SummaryMessage));
}
