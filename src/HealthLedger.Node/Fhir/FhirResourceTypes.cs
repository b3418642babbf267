namespace HealthLedger.Node.Fhir;

/// <summary>The resource types registered with <c>AddFhirResourceType&lt;T&gt;()</c>, by FHIR type name (case-sensitive, as FHIR names are).</summary>
public sealed class FhirResourceTypes(IEnumerable<IFhirResourceType> types)
{
    private readonly Dictionary<string, IFhirResourceType> _byName = types.ToDictionary(t => t.TypeName, StringComparer.Ordinal);

    /// <summary>Every type, by name.</summary>
    public IReadOnlyList<IFhirResourceType> All => [.. _byName.Values.OrderBy(t => t.TypeName, StringComparer.Ordinal)];

    /// <summary>The type named <paramref name="name"/>, or null.</summary>
    public IFhirResourceType? Find(string name) => _byName.GetValueOrDefault(name);
}
