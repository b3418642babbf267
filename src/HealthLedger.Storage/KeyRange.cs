namespace HealthLedger.Storage;

/// <summary>The range of stored keys that start with a prefix, for a store's range query (SQLite's BINARY and PostgreSQL's "C" order: UTF-8 bytes).</summary>
internal static class KeyRange
{
    /// <summary>
    /// The least key above every key that starts with <paramref name="prefix"/> (the prefix with its last character raised by
    /// one), or null when there is none to give: the empty prefix, or a last character from U+D7FF up (surrogates and above,
    /// whose UTF-16 and UTF-8 orders differ). A query bounded by it stops at the prefix's last row on the server instead of
    /// reading on through the table.
    /// </summary>
    public static string? UpperBound(string prefix) =>
        prefix.Length == 0 || prefix[^1] >= '\uD7FF' ? null : string.Concat(prefix.AsSpan(0, prefix.Length - 1), [(char)(prefix[^1] + 1)]);
}
