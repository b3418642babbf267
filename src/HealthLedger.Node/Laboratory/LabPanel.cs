namespace HealthLedger.Node.Laboratory;

/// <summary>A panel of tests ordered together at one price (e.g. <c>FBC</c>, full blood count, LOINC 58410-2).</summary>
public sealed record LabPanel
{
    /// <summary>The panel's code, unique among tests and panels.</summary>
    public string Code { get; init; } = "";

    /// <summary>The LOINC code where known, else empty.</summary>
    public string Loinc { get; init; } = "";

    /// <summary>Display name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The codes of its tests (each in the catalogue).</summary>
    public IReadOnlyList<string> Tests { get; init; } = [];

    /// <summary>Price of the panel.</summary>
    public decimal Price { get; init; }

    /// <summary>Turnaround target from order to validation, hours.</summary>
    public int TurnaroundHours { get; init; }
}
