namespace HealthLedger.Testing;

/// <summary>SQL fragments that damage stored bytes for tamper tests (SQLite).</summary>
public static class SqlTamper
{
    /// <summary>
    /// An SQL expression for <paramref name="column"/> with its byte at 1-based position <paramref name="at"/> changed,
    /// whatever it held (0x00 becomes 0x01, anything else 0x00). Setting a fixed value instead leaves the row as it was when
    /// the byte already holds that value (1 time in 256 for key-dependent bytes), and the tamper test then fails at random.
    /// </summary>
    /// <param name="column">A BLOB column name.</param>
    /// <param name="at">The 1-based byte position (SQLite's <c>substr</c> counts from 1).</param>
    public static string FlipByte(string column, int at) =>
        $"CAST(substr({column}, 1, {at - 1}) || CASE WHEN substr({column}, {at}, 1) = x'00' THEN x'01' ELSE x'00' END || substr({column}, {at + 1}) AS BLOB)";
}
