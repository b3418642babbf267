namespace HealthLedger.Node.Laboratory;

/// <summary>A laboratory's catalogue (organisation configuration, sealed for the organisation on the chain): tests and panels.</summary>
public sealed record LabCatalogue
{
    /// <summary>No catalogue.</summary>
    public static LabCatalogue Empty { get; } = new();

    /// <summary>The tests.</summary>
    public IReadOnlyList<LabTest> Tests { get; init; } = [];

    /// <summary>The panels.</summary>
    public IReadOnlyList<LabPanel> Panels { get; init; } = [];

    /// <summary>A test by code (case-insensitive), or null.</summary>
    public LabTest? Test(string code) => Tests.FirstOrDefault(t => string.Equals(t.Code, code?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>A panel by code (case-insensitive), or null.</summary>
    public LabPanel? Panel(string code) => Panels.FirstOrDefault(p => string.Equals(p.Code, code?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The tests an orderable code stands for (a panel's tests, or the test itself); empty when unknown.</summary>
    public IReadOnlyList<LabTest> Expand(string code) =>
        Panel(code) is { } panel ? panel.Tests.Select(Test).OfType<LabTest>().ToList() : Test(code) is { } test ? [test] : [];

    /// <summary>(name, price, turnaround hours) of an orderable code, or null when unknown.</summary>
    public (string Code, string Name, decimal Price, int TurnaroundHours)? Orderable(string code) =>
        Panel(code) is { } p ? (p.Code, p.Name, p.Price, p.TurnaroundHours) : Test(code) is { } t ? (t.Code, t.Name, t.Price, t.TurnaroundHours) : null;
}
