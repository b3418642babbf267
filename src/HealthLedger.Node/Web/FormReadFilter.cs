using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace HealthLedger.Node.Web;

/// <summary>
/// Reads a page's posted form before the antiforgery check does, so that a form the reader refuses is told why. The check
/// reads the form to find its token and answers any failure with a bare 400, which the error page can only call "it may have
/// expired: reload the page". Refused here instead, nothing run (the form's <see cref="FormOptions"/> limits, RFC 9110):
/// <list type="bullet">
/// <item>a value longer than <see cref="FormOptions.ValueLengthLimit"/> (4 MiB; reachable on the upload pages, whose body cap
/// is larger), in a URL-encoded form or as a text part of a multipart one (<see cref="MultipartTextLimit"/>: measured before
/// the reader takes it whole): 413, "a field of this form is longer than … it takes";</item>
/// <item>more fields than <see cref="FormOptions.ValueCountLimit"/> (1,024), a field name longer than
/// <see cref="FormOptions.KeyLengthLimit"/>, multipart sections or headers over their limits, a multipart body that is cut
/// short or malformed: 400 saying so;</item>
/// <item>a body over the endpoint's cap met while reading (<see cref="RequestBodyLimits"/>, a chunked body): its 413; a body
/// whose chunked encoding is malformed 400, one too slow 408, each saying so.</item>
/// </list>
/// Before that, a method none of the page's handlers takes is 405 with <c>Allow</c> (<see cref="UnknownPageHandlerFilter"/>),
/// whatever the body.
/// Runs after the form limits a page sets itself (<see cref="RequestFormLimitsAttribute"/>, order 900) and before the
/// antiforgery check (order 1000), which then finds the form already read. The answer is empty, with the title and message
/// in <see cref="HttpContext.Items"/>: <see cref="ErrorPages"/> makes it the error page, or a problem for a JSON client.
/// </summary>
internal sealed class FormReadFilter : IAsyncAuthorizationFilter, IOrderedFilter
{
    /// <inheritdoc/>
    public int Order => 950;

    /// <inheritdoc/>
    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var request = http.Request;
        if (context.Result is not null) return;
        // A method the page has no handler for is 405 before anything of the body is read or its token checked (a large body
        // was 413, one without a token 400 "it may have expired").
        if (context.ActionDescriptor is Microsoft.AspNetCore.Mvc.RazorPages.CompiledPageActionDescriptor page
            && UnknownPageHandlerFilter.NotAllowed(http, page.HandlerMethods) is { } notAllowed)
        {
            context.Result = notAllowed;
            return;
        }
        if (!request.HasFormContentType || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return;
        }
        try
        {
            // A multipart form's text parts are held to the value limit too (the reader itself holds only a URL-encoded form's).
            await MultipartTextLimit.CheckFormAsync(request, RequestBodyLimits.CapOf(http), http.RequestAborted);
            await request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (TemporaryStorageFailureException.IsTemporaryFolders(e))
        {
            // The node's temporary folder, where the form's body is spilled while it is read, refused it: 503, logged.
            throw new TemporaryStorageFailureException(e);
        }
        catch (InvalidDataException e)
        {
            var (status, message) = FormLimits.Describe(e, http, "page");
            Refuse(context, status, message);
        }
        catch (BadHttpRequestException e)
        {
            // The body's cap met while reading (413, noted for RequestBodyLimits: the error page names the cap), a body whose
            // chunked encoding is malformed or cut short (400), one too slow (408).
            Refuse(context, e.StatusCode, e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => null,
                StatusCodes.Status408RequestTimeout => "The form did not arrive in time (less was sent than its Content-Length said, or too slowly). Nothing was changed.",
                _ => FormLimits.CutShort,
            });
        }
        catch (IOException) when (!http.RequestAborted.IsCancellationRequested)
        {
            // A multipart body that ends before its closing boundary.
            Refuse(context, StatusCodes.Status400BadRequest, FormLimits.CutShort);
        }
    }

    private static void Refuse(AuthorizationFilterContext context, int status, string? message)
    {
        if (message is not null)
        {
            context.HttpContext.Items[ErrorPages.TitleKey] = "Form refused";
            context.HttpContext.Items[ErrorPages.MessageKey] = message;
        }
        context.Result = new StatusCodeResult(status);
    }
}
