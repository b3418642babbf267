using HealthLedger.Node.Doctors;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Doctors;

public sealed class DoctorsIndexModel(DoctorService doctors) : HospitalPage
{
    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Specialty { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Department { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool? OnCall { get; set; }

    public Page<DoctorView> Result { get; private set; } = new([], 0, 1, 200);

    public IReadOnlyList<string> Specialties { get; private set; } = [];

    public IReadOnlyList<string> Departments { get; private set; } = [];

    public void OnGet()
    {
        Result = doctors.List(Me, new DoctorQuery(Search, Specialty, Department, OnCall, 1, 200));
        var all = doctors.List(Me, new DoctorQuery(PageSize: 200)).Items;
        Specialties = all.Select(d => d.Details.Specialty).Distinct(StringComparer.OrdinalIgnoreCase).Order().ToList();
        Departments = all.Select(d => d.Details.Department).Distinct(StringComparer.OrdinalIgnoreCase).Order().ToList();
    }
}
