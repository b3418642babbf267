using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using HealthLedger.Core.Model;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Tests.Localization;

/// <summary>
/// The German translation is complete for what the pages look up: every literal text of <c>L["…"]</c> in the pages (and
/// <c>text["…"]</c> in their models) and every role's name has an entry in UiText.de.resx, as compiled into the node.
/// </summary>
public partial class TranslationTests
{
    private static readonly ResourceSet German = new ResourceManager(typeof(UiText).FullName!, typeof(UiText).Assembly)
        .GetResourceSet(CultureInfo.GetCultureInfo("de"), createIfNotExists: true, tryParents: false)
        ?? throw new InvalidOperationException("No German resources were compiled into the node.");

    [GeneratedRegex(@"\b(?:L|text)\[""((?:[^""\\]|\\.)*)""\s*[\],]")]
    private static partial Regex LiteralLookup();

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthLedger.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (HealthLedger.slnx) was not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Every_text_the_pages_look_up_has_a_german_translation()
    {
        var pages = Path.Combine(Root(), "src", "HealthLedger.Node", "Pages");
        var keys = Directory.EnumerateFiles(pages, "*.cs*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cshtml.cs", StringComparison.Ordinal))
            .SelectMany(f => LiteralLookup().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value.Replace("\\\"", "\"", StringComparison.Ordinal)))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(keys.Count > 100, $"the scan found only {keys.Count} texts");
        var untranslated = keys.Where(k => German.GetString(k) is not { Length: > 0 }).Order(StringComparer.Ordinal).ToList();
        Assert.Empty(untranslated);
    }

    [Fact]
    public void Every_role_has_a_german_name()
    {
        var untranslated = Enum.GetValues<Role>().Select(RoleNames.Of).Where(id => German.GetString("role " + id) is not { Length: > 0 }).ToList();
        Assert.Empty(untranslated);
    }

    [Fact]
    public void Placeholders_are_kept_in_the_translation()
    {
        foreach (System.Collections.DictionaryEntry entry in German)
        {
            var key = (string)entry.Key;
            var placeholders = PlaceholderPattern().Matches(key).Select(m => m.Value).Order(StringComparer.Ordinal);
            Assert.Equal(placeholders, PlaceholderPattern().Matches((string)entry.Value!).Select(m => m.Value).Order(StringComparer.Ordinal));
        }
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex PlaceholderPattern();
}
