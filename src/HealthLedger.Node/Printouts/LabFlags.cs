namespace HealthLedger.Node.Printouts;

/// <summary>How far out of its reference range a printed lab result is, from its flag.</summary>
public enum LabFlagKind
{
    /// <summary>No flag: within range or not judged.</summary>
    None,
    /// <summary>Above the reference range (H).</summary>
    High,
    /// <summary>Below the reference range (L).</summary>
    Low,
    /// <summary>Critical (HH, LL, or flagged critical).</summary>
    Critical,
    /// <summary>Abnormal without a direction (any other flag).</summary>
    Abnormal,
}

/// <summary>
/// The marker a lab result's flag prints with, so a flag never relies on colour alone: <c>[H]</c> high, <c>[L]</c> low,
/// <c>[!!]</c> critical (followed by its flag, e.g. <c>[!! LL]</c>) and <c>[A]</c> abnormal; printouts also draw the line in
/// bold and colour (<see cref="PrintoutWriter.Flagged"/>), web pages give it the <c>flag-…</c> CSS class.
/// Lab orders' flags are H, L, HH and LL with a critical mark; a medical report's flags are free text read case-insensitively
/// (H/high, L/low, HH/LL/critical, anything else abnormal).
/// </summary>
public static class LabFlags
{
    /// <summary>The kind of <paramref name="flag"/> ("" is none); <paramref name="critical"/> makes any flag critical.</summary>
    public static LabFlagKind Kind(string flag, bool critical = false)
    {
        var f = flag.Trim().ToUpperInvariant();
        if (f.Length == 0) return critical ? LabFlagKind.Critical : LabFlagKind.None;
        if (critical || f is "HH" or "LL" or "CRITICAL" or "CRIT" or "C" or "!!" || f.StartsWith("CRITICAL", StringComparison.Ordinal)) return LabFlagKind.Critical;
        return f switch
        {
            "H" or "HIGH" or "+" or "↑" => LabFlagKind.High,
            "L" or "LOW" or "-" or "↓" => LabFlagKind.Low,
            _ => LabFlagKind.Abnormal,
        };
    }

    /// <summary>The printed marker: <c>[H]</c>, <c>[L]</c>, <c>[!! HH]</c> (critical, with its flag when it has one), <c>[A]</c>; "" without a flag.</summary>
    public static string Marker(string flag, bool critical = false) => Kind(flag, critical) switch
    {
        LabFlagKind.High => "[H]",
        LabFlagKind.Low => "[L]",
        LabFlagKind.Critical => flag.Trim() is { Length: > 0 } f && f != "!!" ? $"[!! {f.ToUpperInvariant()}]" : "[!!]",
        LabFlagKind.Abnormal => "[A]",
        _ => "",
    };

    /// <summary>The CSS class of a flagged result on web pages (<c>flag-high</c>, <c>flag-low</c>, <c>flag-critical</c>, <c>flag-abnormal</c>); "" without a flag.</summary>
    public static string CssClass(string flag, bool critical = false) => Kind(flag, critical) switch
    {
        LabFlagKind.None => "",
        var kind => "flag-" + kind.ToString().ToLowerInvariant(),
    };
}
