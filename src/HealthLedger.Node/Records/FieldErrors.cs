namespace HealthLedger.Node.Records;

/// <summary>Validation messages per field (camelCase names, as in the API's JSON).</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>True when no field has a message.</summary>
    public bool IsEmpty => _errors.Count == 0;

    /// <summary>True when <paramref name="field"/> already has an error.</summary>
    public bool Has(string field) => _errors.ContainsKey(field);

    /// <summary>Adds a message for a field.</summary>
    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    /// <summary>A single-field error set.</summary>
    public static FieldErrors One(string field, string message) => new FieldErrors().Add(field, message);

    /// <summary>The messages as the problem-details "errors" object wants them.</summary>
    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
