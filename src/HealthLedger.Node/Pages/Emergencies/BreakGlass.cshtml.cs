using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Emergencies;

/// <summary>
/// The rescuer's (or doctor's) search-and-justify flow: find a patient at an organisation by MRN, or by full name and date
/// of birth (exact, through the custodian's blind index; several patients may share a name and date of birth, chosen by id),
/// or by the patient id printed on their record printout or card (?patientId=), then state the emergency, a reason code and a justification; the access granted, the
/// emergency summary page opens. Refusals show their field errors and are recorded as refused attempts by the service.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(BreakGlassLimits.Policy)]
public sealed class BreakGlassModel(BreakGlassService breakGlass, EmergencyService emergencies, LedgerNode node) : HospitalPage
{
    /// <summary>The justification form.</summary>
    public sealed class JustifyForm
    {
        public string? EmergencyId { get; set; }
        public string? Reason { get; set; }
        public string? Justification { get; set; }
        public List<string> Categories { get; set; } = ["demographics"];
    }

    [BindProperty(SupportsGet = true)]
    public string? Mrn { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? OrganisationId { get; set; }

    /// <summary>The full name, for a search by name and date of birth (instead of the MRN).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Name { get; set; }

    /// <summary>The date of birth (yyyy-MM-dd), with <see cref="Name"/>.</summary>
    [BindProperty(SupportsGet = true)]
    public string? DateOfBirth { get; set; }

    /// <summary>The patient id as printed on the patient's record printout or card: the way to name a patient of another organisation without its MRN index.</summary>
    [BindProperty(SupportsGet = true)]
    public string? PatientId { get; set; }

    [BindProperty(Name = "Input")]
    public JustifyForm Input { get; set; } = new();

    /// <summary>The patient found, or null.</summary>
    public PatientMatch? Match { get; private set; }

    /// <summary>The emergencies in force admitting this organisation for the patient's organisation.</summary>
    public IReadOnlyList<EmergencyResponse> Emergencies { get; private set; } = [];

    /// <summary>The active member organisations, by name.</summary>
    public IReadOnlyList<OrganisationRecord> Organisations { get; private set; } = [];

    /// <summary>Every field error of the last form, as "field: message".</summary>
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>The categories break-glass may open at all (the emergency summary set), as API names.</summary>
    public static IReadOnlyList<string> EmergencySet { get; } = ["demographics", "medication", "reports"];

    /// <summary>
    /// The categories the form offers: those the selected emergency (else the first listed) opens; outside an emergency (a doctor
    /// choosing none) the emergency set.
    /// </summary>
    public IReadOnlyList<string> Offered =>
        (Emergencies.FirstOrDefault(e => e.Id == Input.EmergencyId) ?? Emergencies.FirstOrDefault())?.Categories ?? EmergencySet;

    /// <summary>The reason codes.</summary>
    public static IReadOnlyList<(string Value, string Label)> Reasons { get; } =
        [("unconscious", "Unconscious"), ("life-threatening", "Life-threatening"), ("mass-casualty", "Mass casualty"), ("other", "Other")];

    public IActionResult OnGet()
    {
        if (Me.Role is not (Role.Rescuer or Role.Doctor)) return Denied("Only rescuers and doctors break the glass.");
        Load();
        if (!string.IsNullOrWhiteSpace(PatientId))
        {
            var byId = breakGlass.FindById(Me, PatientId.Trim());
            if (!byId.IsOk) return Refused(byId, "Search");
            Match = byId.Value;
            Emergencies = InForce(Match!.OrganisationId);
            return Page();
        }
        if (string.IsNullOrWhiteSpace(Mrn) && string.IsNullOrWhiteSpace(OrganisationId) && string.IsNullOrWhiteSpace(Name) && string.IsNullOrWhiteSpace(DateOfBirth)) return Page();
        var found = breakGlass.Find(Me, Mrn?.Trim(), OrganisationId?.Trim(), Name, DateOfBirth);
        if (!found.IsOk) return Refused(found, "Search");
        Match = found.Value;
        Emergencies = InForce(Match!.OrganisationId);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string patientId, CancellationToken ct)
    {
        if (Me.Role is not (Role.Rescuer or Role.Doctor)) return Denied("Only rescuers and doctors break the glass.");
        Load();
        var outcome = await breakGlass.BreakGlassAsync(Me, patientId, new BreakGlassInput
        {
            EmergencyId = Input.EmergencyId,
            Reason = Input.Reason,
            Justification = Input.Justification,
            Categories = Input.Categories,
        }, ct);
        if (outcome.IsOk)
        {
            Flash = $"Break-glass access {outcome.Value!.AccessId} granted until {When(outcome.Value.ExpiresAt)}; it is disclosed to the patient and reviewed by their organisation.";
            return Redirect($"/patients/{patientId}/emergency-summary");
        }
        var custodian = node.GetState(StateKeys.Patient(patientId)) is { } p ? PatientState.TryDecode(p)?.OrganisationId : null;
        if (custodian is not null)
        {
            Match = new PatientMatch(patientId, custodian, [patientId]);
            Emergencies = InForce(custodian);
        }
        return Refused(outcome, "Justify");
    }

    /// <summary>Which form the errors belong to ("Search" or "Justify").</summary>
    public string? FailedForm { get; private set; }

    private IActionResult Refused<T>(Outcome<T> outcome, string form)
    {
        if (outcome.Kind == OutcomeKind.NotFound && form == "Search")
        {
            FormError = outcome.Message;
            Response.StatusCode = 404;
            FailedForm = form;
            return Page();
        }
        if (outcome.Kind == OutcomeKind.Forbidden) return Denied(outcome.Message);
        if (PendingPage(outcome) is { } pending) return pending;
        FailedForm = form;
        Errors = EmergencyForms.Lines(outcome.Errors);
        if (form == "Justify") AddErrors(outcome.Errors);
        else AddErrors(outcome.Errors, "");
        FormError = outcome.Kind == OutcomeKind.Invalid ? "Please correct the fields marked below." : outcome.Message;
        Response.StatusCode = EmergencyForms.StatusOf(outcome.Kind);
        return Page();
    }

    private IReadOnlyList<EmergencyResponse> InForce(string custodianId) =>
        emergencies.List().Where(e => e.Active && e.Scope.Contains(custodianId) && e.Rescuers.Contains(Me.OrganisationId)).ToList();

    private void Load() => Organisations = EmergencyForms.ActiveOrganisations(node);
}
