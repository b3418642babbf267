using System.Globalization;
using System.Text;
using ADRaffy.ENSNormalize;

namespace HealthLedger.Node.Records;

/// <summary>
/// Case- and accent-insensitive matching for search (patients, doctors, accounts): "lukasiewicz" finds "Łukasiewicz",
/// "muller" finds "Müller", "strasse" finds "Straße". Folding decomposes (NFD), drops combining marks, maps the letters
/// that do not decompose (ł, ø, đ, ħ, ı, ß, æ, œ, þ, …) and lowers the case, culture-invariantly. Normalisation is done
/// in managed code (ADRaffy.ENSNormalize's Unicode NF tables), so the result does not depend on the ICU build of the machine
/// (nor on whether the process runs with <c>InvariantGlobalization</c>, where <see cref="string.Normalize()"/> leaves non-ASCII
/// text unchanged).
/// </summary>
public static class TextFolding
{
    private static readonly Dictionary<char, string> Letters = new()
    {
        ['ł'] = "l",
        ['Ł'] = "l",
        ['ø'] = "o",
        ['Ø'] = "o",
        ['đ'] = "d",
        ['Đ'] = "d",
        ['ð'] = "d",
        ['Ð'] = "d",
        ['ħ'] = "h",
        ['Ħ'] = "h",
        ['ı'] = "i",
        ['ŧ'] = "t",
        ['Ŧ'] = "t",
        ['ŀ'] = "l",
        ['Ŀ'] = "l",
        ['ĸ'] = "k",
        ['ß'] = "ss",
        ['ẞ'] = "ss",
        ['æ'] = "ae",
        ['Æ'] = "ae",
        ['œ'] = "oe",
        ['Œ'] = "oe",
        ['þ'] = "th",
        ['Þ'] = "th",
        ['ŋ'] = "n",
        ['Ŋ'] = "n",
        ['ſ'] = "s",
    };

    /// <summary>Unicode NFC of <paramref name="text"/> (which must hold no broken surrogate pair: see <see cref="FieldRules.ForbiddenCharacter"/>).</summary>
    public static string Nfc(string text) => IsAscii(text) ? text : ENSNormalize.NF.NFC(text);

    /// <summary>The folded form of <paramref name="text"/> (for comparison only, never shown or stored).</summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        // A broken surrogate pair (only a search box can send one) becomes U+FFFD before decomposing.
        var whole = IsAscii(text) ? text : string.Concat(text.EnumerateRunes().Select(r => r.ToString()));
        var decomposed = IsAscii(whole) ? whole : ENSNormalize.NF.NFD(whole);
        var folded = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format) continue;
            if (Letters.TryGetValue(c, out var mapped)) folded.Append(mapped);
            else folded.Append(char.ToLowerInvariant(c));
        }
        return folded.ToString();
    }

    private static bool IsAscii(string text) => System.Text.Ascii.IsValid(text);

    /// <summary>True when the folded <paramref name="text"/> contains the folded <paramref name="query"/>.</summary>
    public static bool Contains(string? text, string? query) => Fold(text).Contains(Fold(query), StringComparison.Ordinal);

    // Folded forms of long-lived strings (a read model's names), kept as long as the string itself is.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, string> Folded = [];

    /// <summary>
    /// <see cref="Fold"/> of a long-lived string (a name held by a read model), computed once per string instance and kept
    /// while the instance lives: a search over many records folds only the query.
    /// </summary>
    public static string FoldKept(string text) => text.Length == 0 ? "" : Folded.GetValue(text, Fold);

    /// <summary>True when <paramref name="foldedQuery"/> (already <see cref="Fold"/>ed) occurs in <paramref name="text"/>, a long-lived string (<see cref="FoldKept"/>).</summary>
    public static bool ContainsFolded(string text, string foldedQuery) => FoldKept(text).Contains(foldedQuery, StringComparison.Ordinal);
}
