using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Web;

/// <summary>
/// The one answer of a request refused because its caller (an address, an account, a user) asked too often: 429, <c>Retry-After</c>
/// and an RFC 9457 problem of one type and title whichever limit refused it — the rate limiter's endpoint policies (per client
/// address: logins, password changes, the public on-call directory, break-glass) and the per-account login throttle alike; only
/// the detail says which limit and how long to wait. (Before, a login refused per address was "Too many requests" and one
/// refused per account "Too many attempts", and a password change refused per account was a 400 without <c>Retry-After</c>.)
/// The node's own overload is another kind of refusal: 503 "Busy" (<see cref="AdmissionControl"/>).
/// </summary>
public static class TooManyRequests
{
    /// <summary>The problem type (RFC 6585 §4, 429 Too Many Requests).</summary>
    public const string ProblemType = "https://www.rfc-editor.org/rfc/rfc6585#section-4";

    /// <summary>The problem title, the same for every 429.</summary>
    public const string Title = "Too many requests";

    /// <summary>Sets <c>Retry-After</c> on <paramref name="http"/>'s response and gives the 429 problem saying <paramref name="detail"/>.</summary>
    public static IResult Problem(HttpContext http, TimeSpan retryAfter, string detail)
    {
        ArgumentNullException.ThrowIfNull(http);
        SetRetryAfter(http, retryAfter);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: Title, detail: detail, type: ProblemType);
    }

    /// <summary><c>Retry-After</c>: the wait in whole seconds, at least 1.</summary>
    public static void SetRetryAfter(HttpContext http, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }
}
