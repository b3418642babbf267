using System.Globalization;
using System.Text;
using HealthLedger.Core.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Hospital;

/// <summary>The admin reports, computed from the decrypted read model (never stored).</summary>
public sealed class HospitalReports(HospitalService hospital)
{
    public sealed record ConditionCount(string Condition, int Patients);

    public sealed record AdmissionsRow(DateOnly PeriodStart, int Admissions, int Discharges);

    public sealed record OccupiedBed(string Ward, string Bed, string PatientId, DateTime Since);

    public sealed record WardOccupancy(string Ward, int Occupied, IReadOnlyList<OccupiedBed> Beds);

    public sealed record RevenueRow(DateOnly PeriodStart, decimal Charges, decimal Payments);

    public sealed record Outstanding(string PatientId, string Mrn, decimal Balance);

    /// <summary>Patients per condition, most frequent first.</summary>
    public Outcome<IReadOnlyList<ConditionCount>> PatientsByCondition(UserSession actor)
    {
        if (hospital.OrganisationEntries(actor) is { IsOk: false } denied) return denied.As<IReadOnlyList<ConditionCount>>();
        var rows = hospital.OrganisationPatients(actor)
            .SelectMany(p => p.Details.Conditions.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase))
            .GroupBy(c => c, StringComparer.OrdinalIgnoreCase)
            .Select(g => new ConditionCount(g.First(), g.Count()))
            .OrderByDescending(r => r.Patients).ThenBy(r => r.Condition, StringComparer.OrdinalIgnoreCase).ToList();
        return Outcome<IReadOnlyList<ConditionCount>>.Ok(rows);
    }

    /// <summary>Admissions and discharges per day, week (from Monday) or month.</summary>
    public Outcome<IReadOnlyList<AdmissionsRow>> AdmissionsAndDischarges(UserSession actor, string? period)
    {
        var entries = hospital.OrganisationEntries(actor);
        if (!entries.IsOk) return entries.As<IReadOnlyList<AdmissionsRow>>();
        var rows = entries.Value!.Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Discharge)
            .GroupBy(e => PeriodStart(e.Details.OccurredAt, period))
            .Select(g => new AdmissionsRow(g.Key, g.Count(e => e.Type == EntryType.Admission), g.Count(e => e.Type == EntryType.Discharge)))
            .OrderBy(r => r.PeriodStart).ToList();
        return Outcome<IReadOnlyList<AdmissionsRow>>.Ok(rows);
    }

    /// <summary>Beds occupied now, per ward: a patient occupies the bed of their last admission or transfer unless discharged after it.</summary>
    public Outcome<IReadOnlyList<WardOccupancy>> BedOccupancy(UserSession actor)
    {
        var entries = hospital.OrganisationEntries(actor);
        if (!entries.IsOk) return entries.As<IReadOnlyList<WardOccupancy>>();
        var occupied = new List<OccupiedBed>();
        foreach (var patient in entries.Value!.Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Transfer or EntryType.Discharge).GroupBy(e => e.PatientId))
        {
            var last = patient.OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height).Last();
            if (last.Type != EntryType.Discharge) occupied.Add(new OccupiedBed(last.Details.Ward, last.Details.Bed, patient.Key, last.Details.OccurredAt));
        }
        var rows = occupied.GroupBy(b => b.Ward, StringComparer.OrdinalIgnoreCase)
            .Select(g => new WardOccupancy(g.Key, g.Count(), g.OrderBy(b => b.Bed, StringComparer.OrdinalIgnoreCase).ToList()))
            .OrderBy(w => w.Ward, StringComparer.OrdinalIgnoreCase).ToList();
        return Outcome<IReadOnlyList<WardOccupancy>>.Ok(rows);
    }

    /// <summary>Charges and payments per period.</summary>
    public Outcome<IReadOnlyList<RevenueRow>> Revenue(UserSession actor, string? period)
    {
        var entries = hospital.OrganisationEntries(actor);
        if (!entries.IsOk) return entries.As<IReadOnlyList<RevenueRow>>();
        var rows = entries.Value!.Where(e => e.IsEffective && e.Type is EntryType.Charge or EntryType.Payment)
            .GroupBy(e => PeriodStart(e.Details.OccurredAt, period))
            .Select(g => new RevenueRow(g.Key,
                g.Where(e => e.Type == EntryType.Charge).Sum(e => e.Details.AccountEffect(e.Type)),
                -g.Where(e => e.Type == EntryType.Payment).Sum(e => e.Details.AccountEffect(e.Type))))
            .OrderBy(r => r.PeriodStart).ToList();
        return Outcome<IReadOnlyList<RevenueRow>>.Ok(rows);
    }

    /// <summary>Patients whose account balance is above zero, largest first.</summary>
    public Outcome<IReadOnlyList<Outstanding>> OutstandingBalances(UserSession actor)
    {
        var entries = hospital.OrganisationEntries(actor);
        if (!entries.IsOk) return entries.As<IReadOnlyList<Outstanding>>();
        var patients = hospital.OrganisationPatients(actor).ToDictionary(p => p.Id);
        var rows = entries.Value!.GroupBy(e => e.PatientId)
            .Select(g => new Outstanding(g.Key, patients.TryGetValue(g.Key, out var p) ? p.Details.Mrn : "", HospitalService.BuildAccount(g.Key, g).Balance))
            .Where(r => r.Balance > 0).OrderByDescending(r => r.Balance).ToList();
        return Outcome<IReadOnlyList<Outstanding>>.Ok(rows);
    }

    /// <summary>The first day of the period holding <paramref name="at"/>: day, week (Monday) or month (default).</summary>
    public static DateOnly PeriodStart(DateTime at, string? period)
    {
        var day = DateOnly.FromDateTime(at);
        return (period ?? "month").ToLowerInvariant() switch
        {
            "day" => day,
            "week" => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            _ => new DateOnly(day.Year, day.Month, 1),
        };
    }

    /// <summary>RFC 4180 CSV.</summary>
    public static string Csv(IEnumerable<string> header, IEnumerable<IEnumerable<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', header.Select(Cell)).Append("\r\n");
        foreach (var row in rows) sb.AppendJoin(',', row.Select(Cell)).Append("\r\n");
        return sb.ToString();
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTime d => d.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // Neutralise spreadsheet formulas and quote when needed.
        if (text.Length > 0 && "=+-@".Contains(text[0]) && value is string) text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
