using HealthLedger.Node.Doctors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace HealthLedger.Node.Pages.OnCall;

/// <summary>
/// The public emergency directory (<c>/on-call</c>, no login, rate-limited per client address): per organisation its
/// switchboard contact and its doctors on call now by specialty, filtered by specialty. Names, specialties and departments
/// only — never a doctor's phone, e-mail or licence number.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(PublicDirectoryLimits.Policy)]
public sealed class PublicOnCallModel(DoctorService doctors) : PageModel
{
    /// <summary>The specialty filter (case-insensitive), or empty for every specialty.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Specialty { get; set; }

    /// <summary>The organisations with somebody on call (in the specialty).</summary>
    public IReadOnlyList<PublicOnCallOrganisation> Organisations { get; private set; } = [];

    /// <summary>Every specialty on call now, for the filter.</summary>
    public IReadOnlyList<string> Specialties { get; private set; } = [];

    public void OnGet()
    {
        Specialty = string.IsNullOrWhiteSpace(Specialty) ? null : Specialty.Trim();
        Organisations = doctors.PublicOnCall(Specialty);
        Specialties = doctors.PublicOnCallSpecialties();
    }
}
