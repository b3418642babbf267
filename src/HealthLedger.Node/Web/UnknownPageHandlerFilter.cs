using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace HealthLedger.Node.Web;

/// <summary>
/// A page request that no handler of the page takes: a POST without <c>?handler=</c> to a page whose POST handlers are all
/// named, an unknown handler name, or a method the page has no handler for. Razor Pages would render the page without running
/// any handler, its model never filled (a 500). Answered instead as for any other address: 405 with <c>Allow</c> naming the
/// methods the page's handlers take (RFC 9110 §15.5.6), or, when the method has handlers but none of that name, 400 for a form
/// ("Form refused") and 404 for a GET. Pages without handlers (views alone) are left as they are.
/// </summary>
internal sealed class UnknownPageHandlerFilter : IAsyncPageFilter
{
    /// <summary>
    /// The 405 for a request whose method none of the page's <paramref name="handlers"/> takes (with <c>Allow</c> set to the
    /// methods they take, HEAD beside GET), or null when one takes it or the page has no handlers. Also asked by
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
        var handlers = context.ActionDescriptor.HandlerMethods;
        if (context.HandlerMethod is not null || handlers.Count == 0) return next();
        var method = context.HttpContext.Request.Method;
        var asked = HttpMethods.IsHead(method) ? HttpMethods.Get : method;
        if (NotAllowed(context.HttpContext, handlers) is { } refused)
        {
            context.Result = refused;
        }
        else
        {
            context.Result = new StatusCodeResult(HttpMethods.IsGet(asked) ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest);
        }
        return Task.CompletedTask;
    }
}
