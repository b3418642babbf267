using HealthLedger.Core.Records;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Wards;

/// <summary>A new ward list (replaces the current one).</summary>
public sealed class WardInput
{
    /// <summary>
    /// The version the change replaces, as read (<c>version</c> of <c>GET</c>, 0 before the first list; or an <c>If-Match</c>
    /// header instead): required (400 without), and a list changed meanwhile is 409 (<see cref="EditedVersion"/>).
    /// </summary>
    public int? Version { get; set; }

    /// <summary>The wards, each with its beds.</summary>
    public List<WardInputItem?>? Wards { get; set; }

    /// <summary>Checks names (wards 1–50 characters, beds 1–20, unique ignoring case) and the number of beds.</summary>
    public (WardList? List, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var wards = new List<Ward>();
        var total = 0;
        foreach (var (item, i) in (Wards ?? []).Select((w, i) => (w, i)))
        {
            var name = FieldRules.Text(e, $"wards[{i}].name", item?.Name, 50, true, "Ward name");
            if (name.Length > 0 && wards.Any(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))) e.Add($"wards[{i}].name", $"Ward {name} is listed twice.");
            var beds = new List<string>();
            foreach (var bed in item?.Beds ?? [])
            {
                var b = FieldRules.Text(e, $"wards[{i}].beds", bed, 20, true, "Bed name");
                if (b.Length == 0) continue;
                if (beds.Contains(b, StringComparer.OrdinalIgnoreCase)) e.Add($"wards[{i}].beds", $"Bed {b} is listed twice in ward {name}.");
                else beds.Add(b);
            }
            if (beds.Count == 0) e.Add($"wards[{i}].beds", "A ward needs at least one bed.");
            total += beds.Count;
            wards.Add(new Ward(name, beds));
        }
        if (total > WardsState.MaxBeds) e.Add("wards", $"At most {WardsState.MaxBeds} beds.");
        return e.IsEmpty ? (new WardList(wards), e) : (null, e);
    }
}

/// <summary>One ward of <see cref="WardInput"/>.</summary>
public sealed class WardInputItem
{
    /// <summary>Ward name.</summary>
    public string? Name { get; set; }

    /// <summary>Bed names.</summary>
    public List<string?>? Beds { get; set; }
}
