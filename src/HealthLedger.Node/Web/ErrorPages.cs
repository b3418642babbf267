using System.Globalization;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Web;

/// <summary>
/// Error answers without a body of their own (a refused form, an unknown page, a body over its cap, a rate limit, an
/// unexpected failure): the API and every client that asks for JSON get an RFC 9457 problem document; a browser gets the
/// <c>/error</c> page in the app's layout (the same menu, the signed-in user), which says what happened, that nothing was
/// changed, and offers a way back — never a raw JSON document in the browser.
/// </summary>
/// <remarks>
/// Negotiation (<see cref="BrowserRequests.WantsHtml"/>): paths under <c>/api</c>, <c>/healthz</c>, <c>/fhir</c> and <c>/openapi</c> are
/// always answered with problem details; any other path gets HTML unless its <c>Accept</c> header names JSON and not
/// <c>text/html</c> (a browser's <c>Accept</c> names <c>text/html</c>; a request without <c>Accept</c> gets HTML).
/// </remarks>
public static class ErrorPages
{
    /// <summary>The <see cref="HttpContext.Items"/> key of the page's title (set before re-executing to <c>/error</c>).</summary>
    public const string TitleKey = "HealthLedger.ErrorTitle";

    /// <summary>The <see cref="HttpContext.Items"/> key of the page's message (a rate limit puts its own words here).</summary>
    public const string MessageKey = BrowserRequests.MessageKey;

    /// <summary>The <see cref="HttpContext.Items"/> key of the page to go back to (a refused form's page, as a GET).</summary>
    public const string BackKey = "HealthLedger.ErrorBack";

    /// <summary>
    /// Answers every empty error response as <see cref="ErrorPages"/> describes (in place of the framework's status code
    /// pages): HTML by re-executing the request as a GET of <c>/error</c> (so the page runs with the user's session and no
    /// form is read again), JSON through <see cref="IProblemDetailsService"/>. Register it before (outside) the exception
    /// handler, whose page answer is an empty 500 (<see cref="HandleException"/>).
    /// </summary>
    public static IApplicationBuilder UseErrorPages(this IApplicationBuilder app, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(next =>
        {
            // The rest of the pipeline behind its own routing, as the framework's re-execute does: routing ran before this
            // middleware, so /error must be matched again.
            var branch = app.New();
            if (app.Properties.TryGetValue("__GlobalEndpointRouteBuilder", out var routes) && routes is not null) branch.Properties["__GlobalEndpointRouteBuilder"] = routes;
            branch.UseRouting();
            branch.Run(next);
            var rerouted = branch.Build();
            var pages = new StatusCodePagesOptions { HandleAsync = context => AnswerAsync(context, rerouted, options) };
            return new StatusCodePagesMiddleware(next, Microsoft.Extensions.Options.Options.Create(pages)).Invoke;
        });
    }

    private static async Task AnswerAsync(StatusCodeContext context, RequestDelegate rerouted, NodeOptions options)
    {
        var http = context.HttpContext;
        if (FhirErrors.IsFhir(http.Request))
        {
            // The FHIR interface answers in FHIR's terms (a form over its cap is 413 as below, naming the limit).
            var cap = RequestBodyLimits.For(http, options);
            var tooLarge = cap is not null && RequestBodyLimits.RefusedForSize(http, cap);
            await FhirErrors.WriteAsync(http, tooLarge ? StatusCodes.Status413PayloadTooLarge : http.Response.StatusCode,
                tooLarge ? RequestBodyLimits.TooLargeMessage(cap!.Value, "interaction") : http.Items[MessageKey] as string);
            return;
        }
        if (!BrowserRequests.WantsHtml(http.Request))
        {
            // A page's form over its cap asked for as JSON: 413 naming the limit under errors.body, as the API answers (the
            // antiforgery check that met the cap answered a bare 400).
            var cap = RequestBodyLimits.For(http, options);
            if (cap is not null && RequestBodyLimits.RefusedForSize(http, cap))
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await WriteProblemAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = FieldProblem(StatusCodes.Status413PayloadTooLarge, "body", RequestBodyLimits.TooLargeMessage(http, options, cap.Value, "page", Handler(http))),
                });
                return;
            }
            await WriteProblemAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                // A 413 with words of its own (a form field over the form reader's length) in the cap's shape: errors.body.
                ProblemDetails = http.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && http.Items[MessageKey] is string tooLong
                    ? FieldProblem(StatusCodes.Status413PayloadTooLarge, "body", tooLong)
                    : new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = http.Response.StatusCode, Detail = http.Items[MessageKey] as string },
            });
            return;
        }
        var (title, message) = Describe(http, options);
        http.Items[TitleKey] = title;
        http.Items[MessageKey] = message;
        http.Items[BackKey] = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? null : BrowserRequests.PageOf(http.Request);
        await ReExecuteAsync(http, rerouted, "/error");
    }

    /// <summary>
    /// The exception handler's answer: a problem document for the API and JSON clients; for a browser nothing but the status,
    /// so that <see cref="UseErrorPages"/> (outside) shows the error page in the layout.
    /// </summary>
    public static async Task HandleException(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        // A stored record that does not match the chain (the node is stopping for it): said so, not "busy". The ledger's
        // database out of reach (PostgreSQL down, the SQLite file locked or unreadable): 503 with Retry-After, said so.
        var damage = error is Core.State.StateValueMismatchException;
        // The node's own storage failing (StorageFaultOf: the ledger's database out of reach, a document, the temporary folder,
        // the web sign-in keys, the keystore): 503 with Retry-After, said so in its words and logged in one line.
        var storageFault = StorageFaultOf(error);
        // A signed-in request whose session ended while it ran (its keys wiped under it): the caller's session, not a fault.
        var sessionEnded = SessionEndedUnder(http, error);
        if (sessionEnded) http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        var (title, detail) = damage ? (ApiResults.StoppedTitle, ApiResults.DamageMessage)
            : storageFault is not null ? (storageFault.Title, storageFault.Message)
            : sessionEnded ? (SessionEndedTitle, SessionEndedMessage)
            : ((string?)null, (string?)null);
        if (storageFault is not null)
        {
            TooManyRequests.SetRetryAfter(http, StoreRetryAfter);
            storageFault.Log(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorPages)));
        }
        if (damage) http.Items[AdmissionControl.NoRetryKey] = true; // the node will not start again: no Retry-After
        if (FhirErrors.IsFhir(http.Request))
        {
            // Never the exception's own words (they may carry data): the status's message, an OperationOutcome (damage is
            // not transient: code exception).
            await FhirErrors.WriteAsync(http, http.Response.StatusCode, detail, code: damage ? Hl7.Fhir.Model.OperationOutcome.IssueType.Exception : null);
            return;
        }
        if (BrowserRequests.WantsHtml(http.Request))
        {
            // The error page (UseErrorPages, outside) keeps these words rather than the status's ("Busy").
            if (title is not null)
            {
                http.Items[TitleKey] = title;
                http.Items[MessageKey] = detail;
            }
            return;
        }
        await WriteProblemAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = http.Response.StatusCode, Title = title, Detail = detail },
            Exception = error,
        });
    }

    /// <summary>The title of the 401 a signed-in request gets when its session ended while it ran.</summary>
    public const string SessionEndedTitle = "Session ended";

    /// <summary>What a request whose session ended while it ran is told.</summary>
    public const string SessionEndedMessage = "Your session ended while this request ran (you signed out, it timed out, or your password was " +
        "changed, perhaps at another node of your organisation). Sign in again, then check whether the request took effect before repeating it.";

    /// <summary>
    /// Whether <paramref name="error"/> is a signed-in request's keys wiped under it (<see cref="ObjectDisposedException"/>)
    /// because its session ended while it ran: the request was authenticated (it carries a session claim) and the session is no
    /// longer live. Answered 401 "Session ended", not 500, and not logged as a failure.
    /// </summary>
    public static bool SessionEndedUnder(HttpContext http, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(http);
        return error is ObjectDisposedException && http.User.FindFirst(SessionAuthenticationHandler.SessionClaim) is not null
            && http.UserSession() is null;
    }

    /// <summary>The title of the 503 a request gets when the node cannot reach its ledger's database.</summary>
    public const string StoreUnavailableTitle = "Ledger database unavailable";

    /// <summary>What a request that could not reach the ledger's database is told (names no server, key or value).</summary>
    public const string StoreUnavailableMessage = "The node cannot read its ledger's database at the moment (a PostgreSQL server out of reach, or " +
        "the SQLite file locked or unreadable). Try again shortly; if it lasts, the node's operator should check the database. Nothing was done or saved.";

    /// <summary>The title of the 503 a request gets when the node cannot store a file on its own disk.</summary>
    public const string DocumentStoreUnavailableTitle = "Document store unavailable";

    /// <summary>What a request whose file the node could not store is told (names no path, file or value).</summary>
    public const string DocumentStoreUnavailableMessage = "The node cannot store the file on its disk at the moment (the disk full, read-only or " +
        "failing). Nothing was saved. Try again later; if it lasts, the node's operator should check the node's disk.";

    /// <summary>The title of <c>/healthz</c>'s 503 while who read which records cannot be written (<c>ledger.disclosures.db</c>).</summary>
    public const string DisclosureStoreUnavailableTitle = "Disclosure store unavailable";

    /// <summary>The title of the 503 a request gets when the node cannot write its keystore.</summary>
    public const string KeystoreUnavailableTitle = "Login store unavailable";

    /// <summary>What a request whose login change the node could not write is told (names no user, path or value).</summary>
    public const string KeystoreUnavailableMessage = "The node cannot write its users' sealed keys (its keystore) to its disk at the moment " +
        "(the disk full, read-only or failing). Nothing was done or saved. Try again later; if it lasts, the node's operator should check the node's disk.";

    /// <summary>The title of the 503 a request gets when the node cannot write its web sign-in keys.</summary>
    public const string SignInKeysUnavailableTitle = "Sign-in keys unavailable";

    /// <summary>What a request that needed a new web sign-in key the node could not write is told (names no path or value).</summary>
    public const string SignInKeysUnavailableMessage = "The node cannot write the keys that protect web sign-ins to its disk at the moment " +
        "(the disk full, read-only or failing). Nothing was done. Try again later; if it lasts, the node's operator should check the node's disk. " +
        "The API and FHIR interface are not affected.";

    // A failure of the node's own storage that a request is answered 503 with Retry-After for: its title, message and log line.
    private sealed record StorageFault(string Title, string Message, Action<ILogger> Log);

    // The storage failure error is, or null; one place for the handler's words and log line (HandleException) and for the
    // exception handler's status and quiet logging (IsStorageFault, NodeHost).
    private static StorageFault? StorageFaultOf(Exception? error) => error switch
    {
        null => null,
        // The ledger's database out of reach (event 1015).
        _ when StoreUnavailable(error) => new(StoreUnavailableTitle, StoreUnavailableMessage, l => Log.StoreUnavailable(l, error.Message)),
        // The node's own disk refusing a document (1023).
        Storage.DocumentStoreFailureException => new(DocumentStoreUnavailableTitle, DocumentStoreUnavailableMessage,
            l => Log.DocumentStoreFailed(l, error.Message, "the request was answered 503 and nothing was saved")),
        // The node's temporary folder refusing a form's spilled body (1024).
        TemporaryStorageFailureException => new(TemporaryStorageUnavailableTitle, TemporaryStorageUnavailableMessage,
            l => Log.TemporaryStorageFailed(l, TemporaryStorageFailureException.Folder, error.InnerException!.Message)),
        // The web sign-in keys (keys/web/) not written when a new one was due (1025).
        _ when SignInKeysUnavailable(error) => new(SignInKeysUnavailableTitle, SignInKeysUnavailableMessage, l => Log.SignInKeysUnavailable(l, DiskCause(error)!.Message)),
        // keystore.db not written (1027), not "Ledger database unavailable".
        Storage.KeystoreFailureException => new(KeystoreUnavailableTitle, KeystoreUnavailableMessage, l => Log.KeystoreFailed(l, error.InnerException!.Message)),
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="error"/> is a failure of the node's own storage that a request is answered 503 with
    /// <c>Retry-After</c> for, in its own words and with one log line (no stack trace): the ledger's database out of reach
    /// (<see cref="StoreUnavailable"/>), a document the disk refuses, the temporary folder refusing a form
    /// (<see cref="TemporaryStorageFailureException"/>), the web sign-in keys not written (<see cref="SignInKeysUnavailable"/>),
    /// the keystore not written.
    /// </summary>
    public static bool IsStorageFault(Exception? error) => StorageFaultOf(error) is not null;

    /// <summary>
    /// Whether <paramref name="error"/> is ASP.NET Core data protection failing to write the key ring of the web sign-ins
    /// (<c>keys/web/</c>) when a new key is due: a <see cref="System.Security.Cryptography.CryptographicException"/> caused by the
    /// disk (an <see cref="IOException"/> or access refused). Answered 503 with <c>Retry-After</c>, logged once per request (1025).
    /// </summary>
    public static bool SignInKeysUnavailable(Exception? error) => error is System.Security.Cryptography.CryptographicException && DiskCause(error) is not null;

    // The first IOException or UnauthorizedAccessException under an error, or null.
    private static Exception? DiskCause(Exception error)
    {
        for (var e = error.InnerException; e is not null; e = e.InnerException)
        {
            if (e is IOException or UnauthorizedAccessException) return e;
        }
        return null;
    }

    /// <summary>The title of the 503 a request gets when the node's temporary folder refuses its form's body.</summary>
    public const string TemporaryStorageUnavailableTitle = "Temporary storage unavailable";

    /// <summary>What a request whose form the node could not hold while reading it is told (names no path, file or value).</summary>
    public const string TemporaryStorageUnavailableMessage = "The node cannot hold the form on its disk while it reads it (its temporary " +
        "folder full, read-only or failing). Nothing was saved. Try again later; if it lasts, the node's operator should check the node's temporary folder.";

    /// <summary>The <c>Retry-After</c> of the 503s of the node's storage failing (<see cref="IsStorageFault"/>).</summary>
    public static readonly TimeSpan StoreRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether <paramref name="error"/> is the ledger's database failing under a request (answered 503 with <c>Retry-After</c>, not
    /// 500): <see cref="Storage.StoreUnavailableException.IsDatabaseFailure"/>.
    /// </summary>
    public static bool StoreUnavailable(Exception? error) => Storage.StoreUnavailableException.IsDatabaseFailure(error);

    /// <summary>
    /// An RFC 9457 validation problem of <paramref name="status"/> naming one field (<c>errors[field]</c>: the message), as
    /// the API's binding refusals and a page's form over its cap asked for as JSON answer: "Unsupported media type" and
    /// "Request body too large" titles for 415 and 413, the status's reason phrase otherwise.
    /// </summary>
    internal static HttpValidationProblemDetails FieldProblem(int status, string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = status switch
            {
                StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                StatusCodes.Status413PayloadTooLarge => "Request body too large",
                _ => ReasonPhrases.GetReasonPhrase(status),
            },
            Detail = "Some fields need attention.",
        };

    /// <summary>
    /// Writes the problem document through <see cref="IProblemDetailsService"/>; when no writer takes the request's
    /// <c>Accept</c> (an API path asked for with <c>Accept: text/html</c>, as a browser does), writes it as
    /// <c>application/problem+json</c> all the same rather than failing with a 500 (as its runtime type, so a validation
    /// problem keeps its <c>errors</c>). Used by every middleware that answers with a problem (<see cref="BindingProblems"/> too).
    /// </summary>
    internal static async Task WriteProblemAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (await problems.TryWriteAsync(context)) return;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(http.Response.StatusCode);
        await http.Response.WriteAsJsonAsync(problem, problem.GetType(), (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }

    // Whether the endpoint reads files: a page with a file among its bound properties or its handlers' parameters, an endpoint
    // that declares multipart/form-data. Null when it cannot be told (a page not loaded yet): the request's media type decides.
    // A login form sent as multipart/form-data is still a form of text ("Form refused"), not an upload.
    private static bool? TakesFiles(Endpoint? endpoint, string? handler)
    {
        if (endpoint is null) return null;
        // A page that says which of its forms carries the file (FileSizeLimitAttribute.Handler): the others are forms of text.
        if (endpoint.Metadata.GetMetadata<FileSizeLimitAttribute>() is { Handler: not null } limit) return limit.Covers(handler);
        if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.CompiledPageActionDescriptor>() is { } page)
        {
            return page.BoundProperties.Any(p => IsFile(p.ParameterType)) || page.HandlerMethods.Any(h => h.Parameters.Any(p => IsFile(p.ParameterType)));
        }
        if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not null) return null;
        return endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.Any(t => t.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)) ?? false;
    }

    // The Razor Pages handler a request names (?handler=, or the route's {handler}).
    private static string? Handler(HttpContext http) =>
        http.GetRouteValue("handler") as string ?? (http.Request.Query.TryGetValue("handler", out var named) ? named.ToString() : null);

    private static bool IsFile(Type type) =>
        typeof(IFormFile).IsAssignableFrom(type) || typeof(IFormFileCollection).IsAssignableFrom(type) || typeof(IEnumerable<IFormFile>).IsAssignableFrom(type);

    /// <summary>
    /// The page's title and message for the response's status. A form over its endpoint's cap is answered 413 naming the limit
    /// (the file's, for an upload), also when a reader of the form refused it first as malformed (the antiforgery check answers
    /// 400; see <see cref="RequestBodyLimits.RefusedForSize"/>). A message already in <see cref="MessageKey"/> (a rate limit's) is kept, and so is a title already in
    /// <see cref="TitleKey"/> (a read refused because its disclosure could not be stored: <see cref="DisclosureDurability"/>).
    /// </summary>
    public static (string Title, string Message) Describe(HttpContext http, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = http.GetEndpoint();
        var cap = RequestBodyLimits.For(http, options);
        if (RequestBodyLimits.RefusedForSize(http, cap)) http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        var upload = endpoint?.Metadata.GetMetadata<DocumentUploadAttribute>() is not null;
        var handler = Handler(http);
        // A body over the cap of a page that takes no file (when the page cannot tell, a body that is not multipart).
        var noFile = http.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !upload
            && !(TakesFiles(endpoint, handler) ?? http.Request.ContentType?.Contains("multipart", StringComparison.OrdinalIgnoreCase) == true);
        var (title, message) = http.Response.StatusCode switch
        {
            // A form that takes no file (a login, a password change) was sent with more text than it takes.
            StatusCodes.Status413PayloadTooLarge when noFile && http.Request.HasFormContentType =>
                ("Form refused", $"The form is too large: this page accepts up to {Size(cap ?? 0)} of text. Nothing was changed."),
            // A body that is no form at all (text/plain, JSON) sent to such a page: its size, not a file's.
            StatusCodes.Status413PayloadTooLarge when noFile =>
                ("Request refused", $"The request is too large: this page accepts up to {Size(cap ?? 0)}. Nothing was changed."),
            // An upload to a page open to anyone (/verify) from a caller without a session: sign in first.
            StatusCodes.Status413PayloadTooLarge when RequestBodyLimits.UploadNeedsSignIn(http) => ("Upload refused", RequestBodyLimits.SignInToUpload),
            // The file's own limit when the page has one (an invoice: 512 KiB), not the body cap that refused it.
            StatusCodes.Status413PayloadTooLarge => ("Upload refused", $"The file is too large: this form accepts files of up to {Size(RequestBodyLimits.FileLimit(endpoint, options, handler) ?? cap ?? 0)}. Nothing was uploaded or changed."),
            StatusCodes.Status400BadRequest => ("Form refused", "The form could not be accepted (it may have expired: reload the page and try again). Nothing was changed."),
            StatusCodes.Status403Forbidden => ("Access denied", "You may not open this page or do this. Nothing was changed."),
            StatusCodes.Status404NotFound => ("Page not found", "There is no page at this address. It may have been mistyped, or the link is out of date."),
            StatusCodes.Status405MethodNotAllowed => ("Not allowed", "This page does not take that kind of request. Nothing was changed."),
            StatusCodes.Status409Conflict => ("Changed meanwhile", "Someone changed this at the same time. Nothing was changed: reload the page to see the current state and try again."),
            StatusCodes.Status415UnsupportedMediaType => ("Form refused", "The form was sent in a format this page does not take. Nothing was changed."),
            StatusCodes.Status429TooManyRequests => ("Too many attempts", "Too many requests in a short time. Wait a moment and try again. Nothing was changed."),
            StatusCodes.Status503ServiceUnavailable => ("Busy", "The node is busy. Wait a moment and try again. Nothing was changed."),
            >= 400 and < 500 => ("Request refused", "The request could not be accepted. Nothing was changed."),
            _ => ("Something went wrong", "The request could not be completed. Nothing was changed unless a confirmation was shown."),
        };
        return (http.Items[TitleKey] as string ?? title, http.Items[MessageKey] as string ?? message);
    }

    /// <summary>
    /// Runs the rest of the pipeline again for <paramref name="path"/> as a GET (the original method, path, query and endpoint
    /// are put back afterwards); the page answers with the original status (<see cref="IStatusCodeReExecuteFeature"/>); as the framework's re-execute does, but never reads a form again.
    /// </summary>
    private static async Task ReExecuteAsync(HttpContext http, RequestDelegate rerouted, string path)
    {
        var status = http.Response.StatusCode;
        var request = http.Request;
        var (method, originalPath, originalPathBase, query, endpoint) = (request.Method, request.Path, request.PathBase, request.QueryString, http.GetEndpoint());
        var routeValues = http.Features.Get<IRouteValuesFeature>();
        var values = routeValues?.RouteValues is { } rv ? new RouteValueDictionary(rv) : null;
        http.Features.Set<IStatusCodeReExecuteFeature>(new ReExecuted
        {
            OriginalPath = originalPath.Value ?? "/",
            OriginalPathBase = originalPathBase.Value ?? "",
            OriginalQueryString = query.HasValue ? query.Value : null,
            OriginalStatusCode = status,
            Endpoint = endpoint,
            RouteValues = values,
        });
        http.SetEndpoint(null);
        routeValues?.RouteValues?.Clear();
        request.Method = HttpMethods.Get;
        request.Path = path;
        request.QueryString = QueryString.Empty;
        try
        {
            await rerouted(http);
        }
        finally
        {
            request.Method = method;
            request.Path = originalPath;
            request.QueryString = query;
            http.SetEndpoint(endpoint);
            if (routeValues is not null && values is not null) routeValues.RouteValues = values;
            http.Features.Set<IStatusCodeReExecuteFeature>(null);
        }
    }

    /// <summary>A byte count for people: "50 MB", "1.5 MB", "64 KB" (binary units, as the limits are set).</summary>
    public static string Size(long bytes) => bytes >= 1024 * 1024
        ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB";

    private sealed class ReExecuted : IStatusCodeReExecuteFeature
    {
        public string OriginalPathBase { get; set; } = "";
        public string OriginalPath { get; set; } = "/";
        public string? OriginalQueryString { get; set; }
        public int OriginalStatusCode { get; init; }
        public Endpoint? Endpoint { get; init; }
        public RouteValueDictionary? RouteValues { get; init; }
    }
}
