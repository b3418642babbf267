namespace HealthLedger.Node.Fhir;

/// <summary>The resource types registered with <c>AddFhirResourceType&lt;T&gt;()</c> and their writers (<c>AddFhirWriter&lt;T&gt;()</c>), by FHIR type name (case-sensitive, as FHIR names are).</summary>
public sealed class FhirResourceTypes(IEnumerable<IFhirResourceType> types, IEnumerable<IFhirWriter> writers)
{
    private readonly Dictionary<string, IFhirResourceType> _byName = types.ToDictionary(t => t.TypeName, StringComparer.Ordinal);
    private readonly Dictionary<string, IFhirWriter> _writers = writers.ToDictionary(t => t.TypeName, StringComparer.Ordinal);

    /// <summary>Every type, by name.</summary>
    public IReadOnlyList<IFhirResourceType> All => [.. _byName.Values.OrderBy(t => t.TypeName, StringComparer.Ordinal)];

    /// <summary>The type named <paramref name="name"/>, or null.</summary>
    public IFhirResourceType? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The writer of type <paramref name="name"/>, or null when the type is read-only here.</summary>
    public IFhirWriter? Writer(string name) => _writers.GetValueOrDefault(name);
}
