using HealthLedger.Core.Model;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Statistics;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages;

public sealed class IndexModel(PatientService patients, DoctorService doctors, StatisticsService reports, LedgerNode node) : HospitalPage
{
    public int PatientCount { get; private set; }
    public int DoctorCount { get; private set; }
    public int Occupied { get; private set; }
    public decimal Outstanding { get; private set; }
    public ulong Height => node.Tip.Height;
    public string Network => node.Network.NetworkId;

    public IActionResult OnGet()
    {
        if (Me.Role == Role.Patient) return Redirect($"/patients/{Me.UserId}");
        if (Me.Role == Role.Rescuer) return Redirect("/emergencies/break-glass");
        if (Me.Role == Role.Accountant) return Redirect("/expenses");
        if (Me.Role == Role.Admin)
        {
            PatientCount = patients.OrganisationPatients(Me, "count the patients of").Value?.Count ?? 0;
            DoctorCount = doctors.List(Me, new DoctorQuery(PageSize: 1)).Total;
            // Totals only: no patient is shown, so nothing is disclosed.
            Occupied = reports.BedOccupancy(Me, record: false).Value?.Sum(w => w.Occupied) ?? 0;
            Outstanding = reports.OutstandingBalances(Me, record: false).Value?.Sum(o => o.Balance) ?? 0;
        }
        return Page();
    }
}
