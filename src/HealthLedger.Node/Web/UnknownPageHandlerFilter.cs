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
        var taken = handlers.Select(h => h.HttpMethod.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (!taken.Contains(asked, StringComparer.OrdinalIgnoreCase))
        {
            context.HttpContext.Response.Headers.Allow = string.Join(", ", HeadRequests.WithHead(taken));
            context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
        }
        else
        {
            context.Result = new StatusCodeResult(HttpMethods.IsGet(asked) ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest);
        }
        return Task.CompletedTask;
    }
}
