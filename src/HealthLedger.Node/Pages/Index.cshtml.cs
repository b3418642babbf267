using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Records;
using HealthLedger.Node.Statistics;
using HealthLedger.Node.Wards;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Pages;

/// <summary>
/// The home page, one dashboard per role, from the read models (the services the other pages use, so the same read rules
/// and disclosure records apply): an admin's day (admissions, discharges, free beds, outstanding balances), a doctor's
/// patients, results and access requests, a patient's upcoming visits, reports, recent readers and pending requests, and a
/// short worklist summary for laboratory, pharmacy, accounts and audit staff. A rescuer's home is the break-glass form.
/// </summary>
public sealed class IndexModel(IServiceProvider services, LedgerNode node) : HospitalPage
{
    /// <summary>How many rows each dashboard list shows.</summary>
    public const int Few = 5;

    public int PatientCount { get; private set; }
    public int DoctorCount { get; private set; }
    public int Occupied { get; private set; }
    public decimal Outstanding { get; private set; }
    public int AdmissionsToday { get; private set; }
    public int DischargesToday { get; private set; }
    public IReadOnlyList<(string Ward, int Free, int Beds)> FreeBeds { get; private set; } = [];
    public IReadOnlyList<(string PatientId, string Name, decimal Balance)> TopBalances { get; private set; } = [];
    public int BreakGlassPending { get; private set; }

    public Page<PatientView>? MyPatients { get; private set; }
    public IReadOnlyList<LabOrderView> Results { get; private set; } = [];
    public int OrdersInProgress { get; private set; }
    public IReadOnlyList<AccessRequestView> Requests { get; private set; } = [];

    public IReadOnlyList<EntryView> Upcoming { get; private set; } = [];
    public EntryView? CurrentAdmission { get; private set; }
    public decimal BalanceDue { get; private set; }
    public IReadOnlyList<ReportView> RecentReports { get; private set; } = [];
    public IReadOnlyList<DisclosureView> RecentReaders { get; private set; } = [];

    public IReadOnlyList<(LabOrderStatus Status, int Count)> LabCounts { get; private set; } = [];
    public int LowStock { get; private set; }
    public int Drugs { get; private set; }
    public int ExpensesAwaitingApproval { get; private set; }
    public decimal ApprovedThisMonth { get; private set; }
    public int DisclosuresToday { get; private set; }
    public int RefusedToday { get; private set; }

    public ulong Height => node.Tip.Height;
    public string Network => node.Network.NetworkId;

    /// <summary>Whom the page welcomes: a doctor or patient by name, staff by their user id.</summary>
    public string WelcomeName => Me.Role is Role.Doctor or Role.Patient ? PersonName(Me.UserId) : Me.UserId;

    private T Get<T>() where T : notnull => services.GetRequiredService<T>();

    public IActionResult OnGet()
    {
        switch (Me.Role)
        {
            case Role.Rescuer: return Redirect("/emergencies/break-glass");
            case Role.Admin: Admin(); break;
            case Role.Doctor: Doctor(); break;
            case Role.Patient: Patient(); break;
            case Role.LabTechnician or Role.Pathologist: Laboratory(); break;
            case Role.Pharmacist: Pharmacy(); break;
            case Role.Accountant: Accounts(); break;
            case Role.Auditor: Auditor(); break;
        }
        return Page();
    }

    private void Admin()
    {
        var patients = Get<PatientService>();
        var reports = Get<StatisticsService>();
        PatientCount = patients.OrganisationPatients(Me, "count the patients of").Value?.Count ?? 0;
        DoctorCount = Get<DoctorService>().List(Me, new DoctorQuery(PageSize: 1)).Total;
        // Totals only: no patient is shown, so nothing is disclosed.
        Occupied = reports.BedOccupancy(Me, record: false).Value?.Sum(w => w.Occupied) ?? 0;
        var today = Time.Today;
        var day = reports.AdmissionsAndDischarges(Me, "day").Value?.FirstOrDefault(r => r.PeriodStart == today);
        AdmissionsToday = day?.Admissions ?? 0;
        DischargesToday = day?.Discharges ?? 0;
        var wards = Get<WardService>();
        var free = wards.FreeBeds().ToDictionary(w => w.Name, w => w.Beds.Count, StringComparer.Ordinal);
        FreeBeds = wards.Current.List.Wards.Select(w => (w.Name, free.GetValueOrDefault(w.Name), w.Beds.Count)).ToList();
        var balances = reports.OutstandingBalances(Me, record: false).Value ?? [];
        Outstanding = balances.Sum(o => o.Balance);
        // The few largest are shown by name: those (only) are recorded as disclosures of the account.
        var top = balances.Take(3).ToList();
        Get<RecordAccess>().RecordReads(Me, top.Select(o => (o.PatientId, Me.OrganisationId)), "home page: outstanding balances", ConsentCategories.Account);
        TopBalances = top.Select(o => (o.PatientId, PersonName(o.PatientId), o.Balance)).ToList();
        BreakGlassPending = Get<Node.Emergencies.BreakGlassService>().Queue(Me).Value?.Count(a => a.Review == "pending") ?? 0;
    }

    private void Doctor()
    {
        MyPatients = Get<PatientService>().List(Me, new PatientQuery(PageSize: Few)).Value;
        var labs = Get<LabService>();
        var orders = labs.Worklist(Me, null).Value ?? [];
        Results = orders.Where(o => o.LastValidation is not null).OrderByDescending(o => o.LastValidation!.Proof.Timestamp).Take(Few).ToList();
        OrdersInProgress = orders.Count(o => o.LastValidation is null);
        Requests = Get<AccessRequestService>().List(Me).Value?.Take(Few).ToList() ?? [];
    }

    private void Patient()
    {
        var encounters = Get<EncounterService>();
        var entries = encounters.Entries(Me, Me.UserId).Value ?? [];
        var now = Time.Now;
        Upcoming = entries.Where(e => e.IsEffective && e.Type is EntryType.Visit or EntryType.Admission && e.Details.OccurredAt > now)
            .OrderBy(e => e.Details.OccurredAt).Take(Few).ToList();
        if (encounters.Stay(Me.UserId).Status == StayStatus.Admitted)
        {
            CurrentAdmission = entries.Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Transfer).MaxBy(e => e.Details.OccurredAt);
        }
        BalanceDue = encounters.BalanceDue(Me.UserId);
        RecentReports = Get<ReportService>().ForPatient(Me, Me.UserId).Value?.OrderByDescending(r => r.Proof.Height).Take(Few).ToList() ?? [];
        RecentReaders = Get<AuditService>().Disclosures(Me, Me.UserId).Value?
            .Where(d => d.Event.ActorId != Me.UserId && d.Event.Allowed).OrderByDescending(d => d.Event.At).Take(Few).ToList() ?? [];
        Requests = Get<AccessRequestService>().List(Me, "pending").Value ?? [];
    }

    private void Laboratory()
    {
        // Counts only (no patient shown), straight from the read model: nothing is disclosed.
        LabCounts = Get<LabOrderStore>().Where(o => o.LabOrganisationId == Me.OrganisationId)
            .GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())).ToList();
    }

    private void Pharmacy()
    {
        var stock = Get<PharmacyService>().Stock(Me).Value ?? [];
        Drugs = stock.Count;
        LowStock = stock.Count(s => s.LowStock);
    }

    private void Accounts()
    {
        var expenses = Get<ExpenseService>();
        ExpensesAwaitingApproval = expenses.List(Me, status: ExpenseStatus.PendingApproval).Value?.Count ?? 0;
        var month = Time.Today;
        ApprovedThisMonth = expenses.List(Me, status: ExpenseStatus.Approved).Value?
            .Where(e => e.Date.Year == month.Year && e.Date.Month == month.Month).Sum(e => e.Amount) ?? 0;
    }

    private void Auditor()
    {
        var today = Time.Today;
        var trail = Get<AuditService>().Trail(Me, null, null, null, today, null).Value ?? [];
        DisclosuresToday = trail.Count;
        RefusedToday = trail.Count(d => !d.Event.Allowed);
    }
}
