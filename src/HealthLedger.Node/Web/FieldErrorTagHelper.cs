using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace HealthLedger.Node.Web;

/// <summary>
/// Links every form field bound with <c>asp-for</c> to its validation message for screen readers, once for all forms: an
/// input, select or textarea whose model-state entry has errors gets <c>aria-invalid="true"</c> and
/// <c>aria-describedby="{id}-error"</c>, the id that <see cref="FieldMessageTagHelper"/> gives the
/// <c>asp-validation-for</c> message of the same field. Runs after the framework's form tag helpers (which set id and name).
/// </summary>
[HtmlTargetElement("input", Attributes = "asp-for")]
[HtmlTargetElement("select", Attributes = "asp-for")]
[HtmlTargetElement("textarea", Attributes = "asp-for")]
public sealed class FieldErrorTagHelper : TagHelper
{
    /// <summary>The bound field.</summary>
    [HtmlAttributeName("asp-for")]
    public ModelExpression For { get; set; } = default!;

    /// <summary>The view (its model state).</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = default!;

    /// <inheritdoc/>
    public override int Order => 100; // after the framework's (-1000)

    /// <inheritdoc/>
    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var name = FieldMessageTagHelper.FullName(ViewContext, For);
        if (!ViewContext.ViewData.ModelState.TryGetValue(name, out var entry) || entry.Errors.Count == 0) return;
        output.Attributes.SetAttribute("aria-invalid", "true");
        var message = FieldMessageTagHelper.MessageId(name);
        var described = output.Attributes.TryGetAttribute("aria-describedby", out var existing) && existing.Value?.ToString() is { Length: > 0 } ids
            ? ids + " " + message : message;
        output.Attributes.SetAttribute("aria-describedby", described);
    }
}
