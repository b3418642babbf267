using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Web;

/// <summary>
/// Security headers on every response (pages, API, files, errors): a Content-Security-Policy that allows only this origin's
/// scripts, styles, images and forms and no framing; <c>X-Content-Type-Options: nosniff</c>; <c>Referrer-Policy: no-referrer</c>
/// (URLs hold patient and report ids); <c>X-Frame-Options: DENY</c> for older browsers; no caching of pages holding health data.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The policy of every page but the API reference.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The API reference page (Scalar) runs an inline start-up script; it shows no health data.</summary>
    public const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Sets the headers on every response, before it starts.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var reference = context.Request.Path.StartsWithSegments("/api/reference") || context.Request.Path.StartsWithSegments("/scalar");
                headers.ContentSecurityPolicy = reference ? ApiReferencePolicy : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                if (!headers.ContainsKey("Cache-Control") && !context.Request.Path.StartsWithSegments("/assets")) headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            return next(context);
        });
}
