using System.Globalization;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// A type-level search's parameters (FHIR R4 search.html): the resource's own parameters by name (a name may carry a
/// modifier, <c>name:exact</c>, kept in <see cref="Modifiers"/>), and the result parameters <c>_count</c> (1–200, default
/// 20), <c>_offset</c> (from 0; how the <c>next</c> links page) and <c>_include</c>. Parsers here turn the common
/// parameter types (string, token, date, reference) into values; a value they cannot read is a 400 naming the parameter.
/// </summary>
public sealed class FhirSearch
{
    /// <summary>The result parameters this server reads; others starting with '_' are refused unless listed in <see cref="Ignored"/>.</summary>
    public static readonly IReadOnlySet<string> ResultParameters = new HashSet<string>(StringComparer.Ordinal) { "_count", "_offset", "_include", "_id" };

    /// <summary>Parameters about the response's form, not the matches: accepted and handled outside the search.</summary>
    public static readonly IReadOnlySet<string> Ignored = new HashSet<string>(StringComparer.Ordinal) { "_format", "_pretty", "_total" };

    /// <summary>
    /// The token parameters bound to a required value set of FHIR R4 (by <c>Type.parameter</c>) and its codes: any other code is
    /// a 400 naming the parameter, for every type that serves the parameter.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> FixedCodes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Patient.gender"] = ["male", "female", "other", "unknown"],
        ["Encounter.status"] = ["planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown"],
        ["MedicationRequest.status"] = ["active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"],
        ["MedicationRequest.intent"] = ["proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"],
        ["ServiceRequest.status"] = ["draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"],
        ["DiagnosticReport.status"] = ["registered", "partial", "preliminary", "final", "amended", "corrected", "appended", "cancelled", "entered-in-error", "unknown"],
        ["DocumentReference.status"] = ["current", "superseded", "entered-in-error"],
        ["Consent.status"] = ["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"],
        ["Condition.clinical-status"] = ["active", "recurrence", "relapse", "inactive", "remission", "resolved"],
        ["AllergyIntolerance.clinical-status"] = ["active", "inactive", "resolved"],
    };

    /// <summary>The default and largest page sizes.</summary>
    public const int DefaultCount = 20, MaxCount = 200;

    private FhirSearch(Dictionary<string, List<string>> values, Dictionary<string, string> modifiers, int count, int offset, IReadOnlyList<string> includes)
    {
        Values = values;
        Modifiers = modifiers;
        Count = count;
        Offset = offset;
        Includes = includes;
    }

    /// <summary>The search parameters (without modifiers in the key), each with its values in order; <c>_id</c> included.</summary>
    public IReadOnlyDictionary<string, List<string>> Values { get; }

    /// <summary>The modifier given with a parameter (<c>exact</c> for <c>name:exact</c>).</summary>
    public IReadOnlyDictionary<string, string> Modifiers { get; }

    /// <summary>Page size (1–200).</summary>
    public int Count { get; }

    /// <summary>How many matches to skip.</summary>
    public int Offset { get; }

    /// <summary>The <c>_include</c> values as given, e.g. <c>Encounter:patient</c>.</summary>
    public IReadOnlyList<string> Includes { get; }

    /// <summary>True when the parameter was given.</summary>
    public bool Has(string name) => Values.ContainsKey(name);

    /// <summary>The parameter's first value, or null.</summary>
    public string? First(string name) => Values.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    /// <summary>
    /// Reads a query string against the type's parameters; errors name the parameter (unknown ones list the supported).
    /// Repeated parameters AND; a comma inside one value ORs (both kept as given: <see cref="AnyOf"/> splits commas).
    /// </summary>
    public static (FhirSearch? Search, FieldErrors Errors) Parse(IQueryCollection query, IFhirResourceType type)
    {
        var errors = new FieldErrors();
        var known = type.SearchParameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var modifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        int count = DefaultCount, offset = 0;
        var includes = new List<string>();
        foreach (var (rawName, rawValues) in query)
        {
            var parts = rawName.Split(':', 2);
            var name = parts[0];
            if (Ignored.Contains(name)) continue;
            if (name == "_count")
            {
                if (!int.TryParse(rawValues.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxCount)
                {
                    errors.Add("_count", $"_count must be a whole number from 1 to {MaxCount}.");
                }
                continue;
            }
            if (name == "_offset")
            {
                if (!int.TryParse(rawValues.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0) errors.Add("_offset", "_offset must be a whole number from 0.");
                continue;
            }
            if (name == "_include")
            {
                foreach (var v in rawValues)
                {
                    if (v is null) continue;
                    if (type.Includes.Any(i => i.Value == v)) includes.Add(v);
                    else errors.Add("_include", $"_include '{Clip(v)}' is not supported on {type.TypeName}; supported: {(type.Includes.Count == 0 ? "none" : string.Join(", ", type.Includes.Select(i => i.Value)))}.");
                }
                continue;
            }
            if (name != "_id" && !known.Contains(name))
            {
                errors.Add(name, $"Search parameter '{Clip(rawName)}' is not supported on {type.TypeName}; supported: {string.Join(", ", type.SearchParameters.Select(p => p.Name).Prepend("_id"))}, _count, _offset, _include.");
                continue;
            }
            if (parts.Length == 2)
            {
                var parameter = type.SearchParameters.FirstOrDefault(p => p.Name == name);
                if (parameter is null || !parameter.Modifiers.Contains(parts[1]))
                {
                    errors.Add(name, $"Modifier ':{Clip(parts[1])}' is not supported on '{name}'{(parameter is { Modifiers.Count: > 0 } ? "; supported: " + string.Join(", ", parameter.Modifiers.Select(m => ":" + m)) : "")}.");
                    continue;
                }
                modifiers[name] = parts[1];
            }
            var list = values.TryGetValue(name, out var existing) ? existing : values[name] = [];
            FixedCodes.TryGetValue($"{type.TypeName}.{name}", out var codes);
            foreach (var v in rawValues)
            {
                if (string.IsNullOrWhiteSpace(v))
                {
                    errors.Add(name, $"Search parameter '{name}' needs a value.");
                    continue;
                }
                // A token bound to a required FHIR value set: a code outside it can match nothing and is a typing error.
                var unknown = codes?.Length > 0 ? v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(alternative => alternative[(alternative.IndexOf('|', StringComparison.Ordinal) + 1)..])
                    .FirstOrDefault(code => code.Length > 0 && !codes.Contains(code, StringComparer.OrdinalIgnoreCase)) : null;
                if (unknown is not null) errors.Add(name, $"Search parameter '{name}' value '{Clip(unknown)}' is not a code of its value set: use {string.Join(", ", codes!)}.");
                else list.Add(v.Trim());
            }
        }
        return errors.IsEmpty ? (new FhirSearch(values, modifiers, count, offset, includes), errors) : (null, errors);
    }

    /// <summary>All values of a parameter with commas split (FHIR's OR); empty when absent.</summary>
    public IReadOnlyList<string> AnyOf(string name) =>
        Values.TryGetValue(name, out var v) ? v.SelectMany(x => x.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList() : [];

    /// <summary>
    /// A string parameter's test (search.html §3.1.1.4.8): by default case- and accent-insensitive "starts with" at any word,
    /// <c>:contains</c> anywhere, <c>:exact</c> exact. True when the parameter is absent.
    /// </summary>
    public bool MatchesString(string name, params IEnumerable<string?> candidates)
    {
        if (!Values.TryGetValue(name, out var all)) return true;
        Modifiers.TryGetValue(name, out var modifier);
        var texts = candidates.Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).ToList();
        return all.All(value => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(alternative => texts.Any(t => modifier switch
        {
            "exact" => string.Equals(t, alternative, StringComparison.Ordinal),
            "contains" => TextFolding.Contains(t, alternative),
            _ => StartsAtWord(t, alternative),
        })));
    }

    private static bool StartsAtWord(string text, string value)
    {
        var folded = TextFolding.Fold(value);
        var t = TextFolding.Fold(text);
        if (t.StartsWith(folded, StringComparison.Ordinal)) return true;
        for (var i = t.IndexOf(folded, StringComparison.Ordinal); i > 0; i = t.IndexOf(folded, i + 1, StringComparison.Ordinal))
        {
            if (!char.IsLetterOrDigit(t[i - 1])) return true;
        }
        return false;
    }

    /// <summary>
    /// A token parameter's test (search.html §3.1.1.4.9): each value is <c>code</c>, <c>system|code</c>, <c>|code</c> or
    /// <c>system|</c>; a candidate is (system, code). Codes compare case-insensitively. True when the parameter is absent.
    /// </summary>
    public bool MatchesToken(string name, params IEnumerable<(string? System, string? Code)> candidates)
    {
        if (!Values.TryGetValue(name, out var all)) return true;
        var list = candidates.ToList();
        return all.All(value => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(alternative =>
        {
            var bar = alternative.IndexOf('|', StringComparison.Ordinal);
            string? system = bar < 0 ? null : alternative[..bar];
            var code = bar < 0 ? alternative : alternative[(bar + 1)..];
            return list.Any(c => (system is null || string.Equals(system, c.System ?? "", StringComparison.Ordinal))
                && (code.Length == 0 || string.Equals(code, c.Code, StringComparison.OrdinalIgnoreCase)));
        }));
    }

    /// <summary>
    /// A reference parameter's ids (search.html §3.1.1.4.10): <c>Patient/pt-1</c>, <c>pt-1</c>, or an absolute URL ending in
    /// <c>Patient/pt-1</c> all give <c>pt-1</c> when the type is <paramref name="type"/>; another type is an error. The ids are
    /// the HealthLedger ids the FHIR ids name (<see cref="FhirIds.Ledger"/>: <c>Practitioner/drUann</c> gives <c>dr_ann</c>). Empty when absent.
    /// </summary>
    public (IReadOnlyList<string> Ids, string? Error) ReferenceIds(string name, string type)
    {
        var ids = new List<string>();
        foreach (var value in AnyOf(name))
        {
            var parts = value.TrimEnd('/').Split('/');
            // Ids are FHIR ids (FhirIds.Of); one that is no encoded ledger id is kept as given and matches nothing.
            if (parts.Length == 1) ids.Add(FhirIds.Ledger(parts[0]) ?? parts[0]);
            else if (parts[^2] == type) ids.Add(FhirIds.Ledger(parts[^1]) ?? parts[^1]);
            else return ([], $"Search parameter '{name}' refers to {type} resources: give '{type}/<id>' or the id.");
        }
        return (ids, null);
    }

    /// <summary>
    /// A date parameter's ranges (search.html §3.1.1.4.6): a prefix (eq, ne, gt, lt, ge, le, sa, eb; eq when none) and a
    /// date of year, month, day or instant precision. The test for an instant or day (as an interval
    /// [start, end)) is MatchesDate. Error names the parameter.
    /// </summary>
    public string? CheckDates(string name)
    {
        foreach (var value in AnyOf(name))
        {
            if (ParseDate(value) is null) return $"Search parameter '{name}' value '{Clip(value)}' is not a FHIR date: use e.g. 2024, 2024-03, 2024-03-15 or 2024-03-15T10:00:00Z, with an optional prefix ge, le, gt, lt, eq, ne.";
        }
        return null;
    }

    /// <summary>True when the interval [<paramref name="start"/>, <paramref name="end"/>) satisfies every value of the date parameter (ORing commas); true when absent.</summary>
    public bool MatchesDate(string name, DateTimeOffset start, DateTimeOffset end)
    {
        if (!Values.TryGetValue(name, out var all)) return true;
        return all.All(value => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(alternative =>
        {
            if (ParseDate(alternative) is not var (prefix, from, to)) return false;
            // search.html §3.1.1.4.6: gt/ge/lt/le ask whether the target's range reaches above/below the value's (an ongoing
            // period, open-ended, is ge any later date); sa/eb whether it starts after/ends before it. For an instant both agree.
            return prefix switch
            {
                "ne" => end <= from || start >= to,
                "sa" => start >= to,
                "eb" => end <= from,
                "gt" => end > to,
                "lt" => start < from,
                "ge" => end > from,
                "le" => start < to,
                _ => start < to && end > from,
            };
        }));
    }

    /// <summary>True when the day satisfies the date parameter.</summary>
    public bool MatchesDate(string name, DateOnly day) =>
        MatchesDate(name, new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    /// <summary>True when the instant satisfies the date parameter.</summary>
    public bool MatchesDate(string name, DateTimeOffset at) => MatchesDate(name, at, at.AddTicks(1));

    private static (string Prefix, DateTimeOffset From, DateTimeOffset To)? ParseDate(string value)
    {
        var prefix = value.Length > 2 && char.IsLetter(value[0]) && char.IsLetter(value[1]) ? value[..2] : "eq";
        if (prefix is not ("eq" or "ne" or "gt" or "lt" or "ge" or "le" or "sa" or "eb")) return null;
        var text = value.Length > 2 && char.IsLetter(value[0]) ? value[2..] : value;
        var inv = CultureInfo.InvariantCulture;
        if (text.Length == 4 && int.TryParse(text, NumberStyles.None, inv, out var year) && year >= 1)
        {
            var from = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
            return (prefix, from, from.AddYears(1));
        }
        if (text.Length == 7 && DateTime.TryParseExact(text, "yyyy-MM", inv, DateTimeStyles.None, out var month))
        {
            var from = new DateTimeOffset(month, TimeSpan.Zero);
            return (prefix, from, from.AddMonths(1));
        }
        if (text.Length == 10 && DateTime.TryParseExact(text, "yyyy-MM-dd", inv, DateTimeStyles.None, out var day))
        {
            var from = new DateTimeOffset(day, TimeSpan.Zero);
            return (prefix, from, from.AddDays(1));
        }
        if (text.Length > 10 && DateTimeOffset.TryParse(text, inv, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return (prefix, instant, instant.AddSeconds(1));
        }
        return null;
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
