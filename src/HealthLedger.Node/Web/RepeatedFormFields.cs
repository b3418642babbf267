using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Web;

/// <summary>
/// A page's form field that holds one value (text, a number, a date, a choice) given more than once — which no form of ours
/// sends — is refused naming it ("Given more than once: send each field once."), as the API refuses a JSON member given twice,
/// instead of taking its first copy. Yes/no boxes are left alone (a checkbox posts its hidden "false" after a checked "true"),
/// and so are fields that hold lists. The binder marks such a field (<see cref="Message"/>); <see cref="RepeatedFormFieldsFilter"/> then refuses the
/// whole form with 400 before its handler runs (the "Form refused" page, or a problem for a JSON client): nothing is written.
/// </summary>
public sealed class RepeatedFormFields : IModelBinderProvider
{
    /// <summary>The field's message.</summary>
    public const string Message = "Given more than once: send each field once.";

    /// <inheritdoc />
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var type = Nullable.GetUnderlyingType(context.Metadata.ModelType) ?? context.Metadata.ModelType;
        if (context.Metadata.IsComplexType || context.Metadata.IsEnumerableType || type == typeof(bool)) return null;
        // The binder the field gets without this check (its type's own: numbers in the page's culture, dates, choices), wrapped.
        var providers = context.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Mvc.MvcOptions>>().Value.ModelBinderProviders;
        foreach (var provider in providers)
        {
            if (provider is RepeatedFormFields) continue;
            if (provider.GetBinder(context) is { } inner) return new Binder(inner);
        }
        return null;
    }

    private sealed class Binder(IModelBinder inner) : IModelBinder
    {
        public Task BindModelAsync(ModelBindingContext bindingContext)
        {
            if (bindingContext.ValueProvider.GetValue(bindingContext.ModelName) is { Length: > 1 } && bindingContext.HttpContext.Request.HasFormContentType)
            {
                bindingContext.ModelState.TryAddModelError(bindingContext.ModelName, Message);
                bindingContext.Result = ModelBindingResult.Failed();
                return Task.CompletedTask;
            }
            return inner.BindModelAsync(bindingContext);
        }
    }
}

/// <summary>Refuses a page's form whose fields <see cref="RepeatedFormFields"/> marked, before its handler runs.</summary>
internal sealed class RepeatedFormFieldsFilter : Microsoft.AspNetCore.Mvc.Filters.IAsyncPageFilter
{
    /// <inheritdoc />
    public Task OnPageHandlerSelectionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerSelectedContext context) => Task.CompletedTask;

    /// <inheritdoc />
    public Task OnPageHandlerExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var marked = context.ModelState.Where(e => e.Value?.Errors.Any(x => x.ErrorMessage == RepeatedFormFields.Message) == true).Select(e => e.Key).ToList();
        if (marked.Count == 0) return next();
        // The field's own name ("Mrn" of "Input.Mrn"), when it is made of what names are made of (never echoing other text).
        var repeated = marked.Select(k => k[(k.LastIndexOf('.') + 1)..]).Where(Records.Missing.MayShow).ToList();
        context.HttpContext.Items[ErrorPages.TitleKey] = "Form refused";
        context.HttpContext.Items[ErrorPages.MessageKey] = (repeated.Count > 0 ? $"The form gave {string.Join(", ", repeated.Select(f => $"'{f}'"))} more than once" : "The form gave a field more than once")
            + ": send each field once. Nothing was changed.";
        context.Result = new Microsoft.AspNetCore.Mvc.StatusCodeResult(Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest);
        return Task.CompletedTask;
    }
}
