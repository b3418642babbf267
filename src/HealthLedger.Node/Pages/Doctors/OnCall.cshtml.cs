using HealthLedger.Node.Accounts;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Statistics;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class OnCallModel(DoctorService doctors) : HospitalPage
{
    public IReadOnlyList<IGrouping<string, DoctorView>> Groups { get; private set; } = [];

    public void OnGet() => Groups = doctors.OnCallBySpecialty(Me);
}
