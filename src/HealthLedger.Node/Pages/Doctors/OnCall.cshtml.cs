using HealthLedger.Node.Hospital;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class OnCallModel(HospitalService hospital) : HospitalPage
{
    public IReadOnlyList<IGrouping<string, DoctorView>> Groups { get; private set; } = [];

    public void OnGet() => Groups = hospital.OnCallBySpecialty(Me);
}
