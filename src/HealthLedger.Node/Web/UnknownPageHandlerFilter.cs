using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace HealthLedger.Node.Web;

/// <summary>
/// A page request that no handler of the page takes: a POST without <c>?handler=</c> to a page whose POST handlers are all
/// named, or an unknown handler name. Razor Pages would render the page without running any handler, its model never filled
/// (a 500). Answered instead as for any other address: 400 for a form ("Form refused") and 404 for a GET. A method the page
/// has no handler for at all never gets here: <see cref="FormReadFilter"/> answers it 405 with <c>Allow</c> (RFC 9110
/// §15.5.6) before the form is read (<see cref="NotAllowed"/>). Pages without handlers (views alone) are left as they are.
/// </summary>
internal sealed class UnknownPageHandlerFilter : IAsyncPageFilter
{
    /// <summary>
    /// The 405 for a request whose method none of the page's <paramref name="handlers"/> takes (with <c>Allow</c> set to the
    /// methods they take, HEAD beside GET), or null when one takes it or the page has no handlers. Asked by
    /// <see cref="FormReadFilter"/> before any form is read: a method the page does not take is 405 whatever its body.
    /// </summary>
    internal static IActionResult? NotAllowed(HttpContext http, IList<Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure.HandlerMethodDescriptor> handlers)
    {
        if (handlers.Count == 0) return null;
        var method = http.Request.Method;
        var asked = HttpMethods.IsHead(method) ? HttpMethods.Get : method;
        var taken = handlers.Select(h => h.HttpMethod.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (taken.Contains(asked, StringComparer.OrdinalIgnoreCase)) return null;
        http.Response.Headers.Allow = string.Join(", ", HeadRequests.WithHead(taken));
        return new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
    }

    /// <inheritdoc/>
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.HandlerMethod is not null || context.ActionDescriptor.HandlerMethods.Count == 0) return next();
        // The method is one the page takes (FormReadFilter answered any other): the handler's name is unknown.
        var method = context.HttpContext.Request.Method;
        context.Result = new StatusCodeResult(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest);
        return Task.CompletedTask;
    }
}
