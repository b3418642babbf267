using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Statistics;

/// <summary>The admin reports, computed from the decrypted read model (never stored). Admins only.</summary>
public sealed class StatisticsService(EncounterService encounters, PatientService patients, RecordAccess access, HospitalTime time)
{
    private const string Action = "read the reports of";

    public sealed record ConditionCount(string Condition, int Patients);

    public sealed record AdmissionsRow(DateOnly PeriodStart, int Admissions, int Discharges);

    public sealed record OccupiedBed(string Ward, string Bed, string PatientId, DateTimeOffset Since);

    public sealed record WardOccupancy(string Ward, int Occupied, IReadOnlyList<OccupiedBed> Beds);

    public sealed record RevenueRow(DateOnly PeriodStart, decimal Charges, decimal Payments);

    public sealed record Outstanding(string PatientId, string Mrn, decimal Balance);

    /// <summary>Patients per condition, most frequent first.</summary>
    public Outcome<IReadOnlyList<ConditionCount>> PatientsByCondition(UserSession actor)
    {
        var organisationPatients = patients.OrganisationPatients(actor, Action);
        if (!organisationPatients.IsOk) return organisationPatients.As<IReadOnlyList<ConditionCount>>();
        var rows = organisationPatients.Value!
            .SelectMany(p => p.Details.Conditions.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase))
            .GroupBy(c => c, StringComparer.OrdinalIgnoreCase)
            .Select(g => new ConditionCount(g.First(), g.Count()))
            .OrderByDescending(r => r.Patients).ThenBy(r => r.Condition, StringComparer.OrdinalIgnoreCase).ToList();
        return Outcome<IReadOnlyList<ConditionCount>>.Ok(rows);
    }

    /// <summary>Admissions and discharges per day, week (from Monday) or month.</summary>
    public Outcome<IReadOnlyList<AdmissionsRow>> AdmissionsAndDischarges(UserSession actor, string? period)
    {
        var entries = encounters.OrganisationEntries(actor, Action);
        if (!entries.IsOk) return entries.As<IReadOnlyList<AdmissionsRow>>();
        var rows = entries.Value!.Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Discharge)
            .GroupBy(e => PeriodStart(time.Local(e.Details.OccurredAt).DateTime, period))
            .Select(g => new AdmissionsRow(g.Key, g.Count(e => e.Type == EntryType.Admission), g.Count(e => e.Type == EntryType.Discharge)))
            .OrderBy(r => r.PeriodStart).ToList();
        return Outcome<IReadOnlyList<AdmissionsRow>>.Ok(rows);
    }

    /// <summary>
    /// Beds occupied now, per ward (counted as beds): a patient occupies the bed of their last admission or transfer unless
    /// discharged after it. The state machine keeps one patient per bed and the stay in order, so each bed appears once.
    /// Names patients, so each one is recorded as a disclosure unless <paramref name="record"/> is false (callers that show
    /// only totals).
    /// </summary>
    public Outcome<IReadOnlyList<WardOccupancy>> BedOccupancy(UserSession actor, bool record = true)
    {
        var entries = encounters.OrganisationEntries(actor, Action);
        if (!entries.IsOk) return entries.As<IReadOnlyList<WardOccupancy>>();
        var occupied = new List<OccupiedBed>();
        foreach (var patient in entries.Value!.Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Transfer or EntryType.Discharge).GroupBy(e => e.PatientId))
        {
            var last = patient.OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height).ThenBy(e => e.Id, StringComparer.Ordinal).Last();
            if (last.Type != EntryType.Discharge) occupied.Add(new OccupiedBed(last.Details.Ward, last.Details.Bed, patient.Key, last.Details.OccurredAt));
        }
        var rows = occupied.GroupBy(b => b.Ward, StringComparer.OrdinalIgnoreCase)
            .Select(g => new WardOccupancy(g.Key, g.Select(b => b.Bed).Distinct(StringComparer.OrdinalIgnoreCase).Count(), g.OrderBy(b => b.Bed, StringComparer.OrdinalIgnoreCase).ToList()))
            .OrderBy(w => w.Ward, StringComparer.OrdinalIgnoreCase).ToList();
        if (record) access.RecordReads(actor, occupied.Select(b => (b.PatientId, actor.OrganisationId)), "bed occupancy", ConsentCategories.Encounters);
        return Outcome<IReadOnlyList<WardOccupancy>>.Ok(rows);
    }

    /// <summary>Charges and payments per period.</summary>
    public Outcome<IReadOnlyList<RevenueRow>> Revenue(UserSession actor, string? period)
    {
        var entries = encounters.OrganisationEntries(actor, Action);
        if (!entries.IsOk) return entries.As<IReadOnlyList<RevenueRow>>();
        var rows = entries.Value!.Where(e => e.IsEffective && e.Type.IsAccountLine())
            .GroupBy(e => PeriodStart(time.Local(e.Details.OccurredAt).DateTime, period))
            .Select(g => new RevenueRow(g.Key,
                g.Where(e => e.Type == EntryType.Charge).Sum(e => e.Details.AccountEffect(e.Type)),
                -g.Where(e => e.Type == EntryType.Payment).Sum(e => e.Details.AccountEffect(e.Type))))
            .OrderBy(r => r.PeriodStart).ToList();
        return Outcome<IReadOnlyList<RevenueRow>>.Ok(rows);
    }

    /// <summary>
    /// Patients whose account balance is above zero, largest first. Names patients, so each one is recorded as a disclosure
    /// unless <paramref name="record"/> is false (callers that show only totals).
    /// </summary>
    public Outcome<IReadOnlyList<Outstanding>> OutstandingBalances(UserSession actor, bool record = true)
    {
        var entries = encounters.OrganisationEntries(actor, Action);
        if (!entries.IsOk) return entries.As<IReadOnlyList<Outstanding>>();
        var mrns = patients.OrganisationPatients(actor, Action).Value!.ToDictionary(p => p.Id, p => p.Details.Mrn);
        var rows = entries.Value!.GroupBy(e => e.PatientId)
            .Select(g => new Outstanding(g.Key, mrns.GetValueOrDefault(g.Key, ""), HospitalAccountService.Build(g.Key, g).Balance))
            .Where(r => r.Balance > 0).OrderByDescending(r => r.Balance).ThenBy(r => r.PatientId, StringComparer.Ordinal).ToList();
        if (record) access.RecordReads(actor, rows.Select(r => (r.PatientId, actor.OrganisationId)), "outstanding balances", ConsentCategories.Account);
        return Outcome<IReadOnlyList<Outstanding>>.Ok(rows);
    }

    /// <summary>The first day of the period holding <paramref name="at"/> (a local time of the hospital): day, week (Monday) or month (default).</summary>
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
}
