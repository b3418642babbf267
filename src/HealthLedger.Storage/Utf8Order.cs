namespace HealthLedger.Storage;

/// <summary>
/// Compares .NET strings in the order of their UTF-8 bytes (SQLite's BINARY collation of TEXT, PostgreSQL's "C"), which is
/// Unicode code point order. Ordinal comparison of UTF-16 differs from it only where a surrogate (U+D800–U+DFFF, half of a code
/// point above U+FFFF) meets a unit in U+E000–U+FFFF: the surrogate's code point is the greater (the fix-up of Unicode
/// Technical Note 26 / ICU's code point order comparison).
/// </summary>
public static class Utf8Order
{
    /// <summary>Negative when <paramref name="a"/> sorts first, 0 when equal, positive when <paramref name="b"/> sorts first.</summary>
    public static int Compare(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var common = a.AsSpan().CommonPrefixLength(b);
        if (common == a.Length || common == b.Length) return a.Length.CompareTo(b.Length);
        int x = a[common], y = b[common];
        if (x >= 0xD800 && y >= 0xD800)
        {
            // Surrogates move above U+E000–U+FFFF.
            x = x >= 0xE000 ? x - 0x800 : x + 0x2000;
            y = y >= 0xE000 ? y - 0x800 : y + 0x2000;
        }
        return x.CompareTo(y);
    }
}
