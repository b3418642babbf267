using System.Globalization;
using System.Net;
using HealthLedger.Node.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Web;

/// <summary>
/// Error answers without a body of their own (a refused form, an unknown page, a body over its cap): the API
/// (<c>/api</c>) gets an RFC 9457 problem document, a page request a short HTML page in the app's style that says what
/// happened and that nothing was changed, never a raw JSON document in the browser.
/// </summary>
public static class ErrorPages
{
    /// <summary>Answers every empty error response as <see cref="ErrorPages"/> describes (in place of the framework's status code pages).</summary>
    public static IApplicationBuilder UseErrorPages(this IApplicationBuilder app, NodeOptions options) =>
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/healthz"))
            {
                var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = http.Response.StatusCode } });
                return;
            }
            await WriteAsync(http, options);
        });

    /// <summary>
    /// Writes the HTML page for the response's status. A form whose declared length is over its endpoint's cap is answered
    /// 413 naming the limit, whatever refused it first (the antiforgery check reads the form and answers 400 when it cannot).
    /// </summary>
    public static async Task WriteAsync(HttpContext http, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = http.GetEndpoint();
        var cap = RequestBodyLimits.For(endpoint, options);
        if (http.Request.ContentLength is { } length && cap is { } c && length > c) http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        var limit = endpoint?.Metadata.GetMetadata<DocumentUploadAttribute>() is not null ? options.MaxDocumentBytes : cap ?? 0;
        var (title, message) = http.Response.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => ("Upload refused", $"The file is too large: this form accepts files of up to {Size(limit)}. Nothing was uploaded or changed."),
            StatusCodes.Status404NotFound => ("Page not found", "There is no page at this address."),
            StatusCodes.Status405MethodNotAllowed => ("Not allowed", "This page does not take that kind of request. Nothing was changed."),
            StatusCodes.Status415UnsupportedMediaType => ("Form refused", "The form was sent in a format this page does not take. Nothing was changed."),
            >= 400 and < 500 => ("Form refused", "The form could not be accepted (it may have expired: reload the page and try again). Nothing was changed."),
            _ => ("Something went wrong", "The request could not be completed. Nothing was changed unless a confirmation was shown."),
        };
        http.Response.ContentType = "text/html; charset=utf-8";
        // Back to the page the request came from (same path, as a GET); the texts are ours, never the request's.
        var back = WebUtility.HtmlEncode(http.Request.Path.Value is { Length: > 0 } path ? path : "/");
        await http.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{{title}} · HealthLedger</title><link rel="stylesheet" href="/assets/site.css" /></head>
            <body><main class="container"><h1>{{title}}</h1>
            <div class="alert error" role="alert" data-testid="error-page" data-status="{{http.Response.StatusCode}}">{{WebUtility.HtmlEncode(message)}}</div>
            <p><a href="{{back}}">Back</a> · <a href="/">Home</a></p></main></body></html>
            """, http.RequestAborted);
    }

    /// <summary>A byte count for people: "50 MB", "1.5 MB", "64 KB" (binary units, as the limits are set).</summary>
    public static string Size(long bytes) => bytes >= 1024 * 1024
        ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB";
}
