using System.Text;

namespace HealthLedger.Storage;

/// <summary>
/// Compares .NET strings in the order of their UTF-8 bytes (SQLite's BINARY collation of TEXT, PostgreSQL's "C"), which is
/// Unicode code point order. Ordinal comparison of UTF-16 differs from it only where a surrogate (U+D800–U+DFFF, half of a code
/// point above U+FFFF) meets a unit in U+E000–U+FFFF: the surrogate's code point is the greater (the fix-up of Unicode
/// Technical Note 26 / ICU's code point order comparison). A lone surrogate (not half of a pair) compares as U+FFFD, the
/// replacement character .NET's UTF-8 encoder writes for it (and so what a store that binds the string as UTF-8 holds).
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
        // Neither unit is a surrogate: both are the code points they stand for, and an earlier high surrogate (equal in both) is
        // a lone one in both.
        if (!char.IsSurrogate((char)x) && !char.IsSurrogate((char)y)) return x.CompareTo(y);
        // Code point by code point from the first difference, or from the high surrogate just before it (the difference may
        // be in the second half of a pair).
        if (common > 0 && char.IsHighSurrogate(a[common - 1])) common--;
        var left = a.AsSpan(common);
        var right = b.AsSpan(common);
        while (!left.IsEmpty && !right.IsEmpty)
        {
            // An invalid sequence (a lone surrogate) decodes to U+FFFD and consumes one unit, as the UTF-8 encoder replaces it.
            Rune.DecodeFromUtf16(left, out var p, out var leftUnits);
            Rune.DecodeFromUtf16(right, out var q, out var rightUnits);
            if (p != q) return p.Value.CompareTo(q.Value);
            left = left[leftUnits..];
            right = right[rightUnits..];
        }
        return left.IsEmpty ? (right.IsEmpty ? 0 : -1) : 1;
    }
}
