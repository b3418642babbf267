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
/// <item>a field's value longer than <see cref="FormOptions.ValueLengthLimit"/> (4 MiB; reachable on the upload pages, whose
/// body cap is larger): 413, "a field of this form is longer than … it takes";</item>
/// <item>more fields than <see cref="FormOptions.ValueCountLimit"/> (1,024), a field name longer than
/// <see cref="FormOptions.KeyLengthLimit"/>, multipart sections or headers over their limits, a multipart body that is cut
/// short or malformed: 400 saying so;</item>
/// <item>a body over the endpoint's cap met while reading (<see cref="RequestBodyLimits"/>, a chunked body): its 413.</item>
/// </list>
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
        if (context.Result is not null || !request.HasFormContentType || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return;
        }
        try
        {
            await request.ReadFormAsync(http.RequestAborted);
        }
        catch (InvalidDataException e)
        {
            var (status, message) = FormLimits.Describe(e, http, "page");
            Refuse(context, status, message);
        }
        catch (BadHttpRequestException e)
        {
            // The body's cap met while reading (413, noted for ErrorPages by RequestBodyLimits), a body cut short (400), too slow (408).
            Refuse(context, e.StatusCode, null);
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
