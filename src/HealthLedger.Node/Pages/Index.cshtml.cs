using HealthLedger.Core.Model;
using HealthLedger.Node.Hospital;
using HealthLedger.Node.Ledger;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages;

public sealed class IndexModel(HospitalService hospital, HospitalReports reports, LedgerNode node) : HospitalPage
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
        if (Me.Role == Role.Admin)
        {
            PatientCount = hospital.OrganisationPatients(Me).Count;
            DoctorCount = hospital.ListDoctors(Me, new DoctorQuery(PageSize: 1)).Total;
            Occupied = reports.BedOccupancy(Me).Value?.Sum(w => w.Occupied) ?? 0;
            Outstanding = reports.OutstandingBalances(Me).Value?.Sum(o => o.Balance) ?? 0;
        }
        return Page();
    }
}
