using HealthLedger.Node.Doctors;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class OnCallModel(DoctorService doctors) : HospitalPage
{
    public IReadOnlyList<IGrouping<string, DoctorView>> Groups { get; private set; } = [];

    public void OnGet() => Groups = doctors.OnCallBySpecialty(Me);
}
