using HealthLedger.Node.Doctors;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Doctors;

/// <summary>
/// The organisation's doctor directory (<c>/doctors</c>): search, specialty, department, onCall (true/false) and page,
/// <see cref="PageSize"/> a page, by name. An onCall or page value the page does not understand is named on the page with
/// what is shown instead (<see cref="QueryValues"/>); a page past the last shows the last with a note.
/// </summary>
public sealed class DoctorsIndexModel(DoctorService doctors) : HospitalPage
{
    /// <summary>Doctors per page.</summary>
    public const int PageSize = 200;

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Specialty { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Department { get; set; }

    /// <summary>The on-call filter (<c>?onCall=true|false</c>), or null for every doctor.</summary>
    public bool? OnCall { get; private set; }

    /// <summary>The page asked for (<c>?page=</c>, from 1).</summary>
    public int PageNumber { get; private set; } = 1;

    public Page<DoctorView> Result { get; private set; } = new([], 0, 1, PageSize);

    public IReadOnlyList<string> Specialties { get; private set; } = [];

    public IReadOnlyList<string> Departments { get; private set; } = [];

    public void OnGet()
    {
        var onCallText = QueryValue("onCall");
        var (onCall, onCallProblem) = QueryValues.FlagForPage("onCall", onCallText, false, "doctors on call or not are shown");
        OnCall = string.IsNullOrWhiteSpace(onCallText) || onCallProblem is not null ? null : onCall;
        string? pageProblem;
        (PageNumber, pageProblem) = QueryValues.PageForPage(QueryValue("page"));
        FormError = QueryValues.Join(onCallProblem, pageProblem);
        Result = doctors.List(Me, new DoctorQuery(Search, Specialty, Department, OnCall, PageNumber, PageSize));
        QueryNote = QueryValues.BeyondLast(PageNumber, Result);
        var all = doctors.List(Me, new DoctorQuery(PageSize: 200)).Items;
        Specialties = all.Select(d => d.Details.Specialty).Distinct(StringComparer.OrdinalIgnoreCase).Order().ToList();
        Departments = all.Select(d => d.Details.Department).Distinct(StringComparer.OrdinalIgnoreCase).Order().ToList();
    }
}
