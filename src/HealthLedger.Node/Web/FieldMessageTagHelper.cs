using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace HealthLedger.Node.Web;

/// <summary>Gives an <c>asp-validation-for</c> message the id <c>{field id}-error</c> that <see cref="FieldErrorTagHelper"/> points at.</summary>
[HtmlTargetElement("span", Attributes = "asp-validation-for")]
[HtmlTargetElement("div", Attributes = "asp-validation-for")]
public sealed class FieldMessageTagHelper : TagHelper
{
    /// <summary>The field whose message this is.</summary>
    [HtmlAttributeName("asp-validation-for")]
    public ModelExpression For { get; set; } = default!;

    /// <summary>The view.</summary>
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = default!;

    /// <inheritdoc/>
    public override int Order => 100;

    /// <inheritdoc/>
    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.Attributes.ContainsName("id")) output.Attributes.SetAttribute("id", MessageId(FullName(ViewContext, For)));
    }

    /// <summary>The field's form name (<c>Input.Name</c>).</summary>
    internal static string FullName(ViewContext view, ModelExpression field) => view.ViewData.TemplateInfo.GetFullHtmlFieldName(field.Name);

    /// <summary>The id of a field's message: the field's element id (dots as underscores) + <c>-error</c>.</summary>
    internal static string MessageId(string fullName) => TagBuilder.CreateSanitizedId(fullName, "_") + "-error";
}
