namespace HealthLedger.Node.Wards;

/// <summary>A hospital's wards and their beds (organisation configuration, sealed for the organisation on the chain).</summary>
/// <param name="Wards">The wards in the order the admin listed them.</param>
public sealed record WardList(IReadOnlyList<Ward> Wards)
{
    /// <summary>No list configured.</summary>
    public static WardList Empty { get; } = new([]);

    /// <summary>The ward named <paramref name="name"/> (ignoring case and outer spaces), or null.</summary>
    public Ward? Find(string name) => Wards.FirstOrDefault(w => string.Equals(w.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>A ward and its beds.</summary>
/// <param name="Name">Ward name (e.g. ICU).</param>
/// <param name="Beds">Its beds' names (e.g. ICU-1).</param>
public sealed record Ward(string Name, IReadOnlyList<string> Beds)
{
    /// <summary>The bed named <paramref name="bed"/> as listed (ignoring case and outer spaces), or null.</summary>
    public string? Bed(string bed) => Beds.FirstOrDefault(b => string.Equals(b, bed.Trim(), StringComparison.OrdinalIgnoreCase));
}
