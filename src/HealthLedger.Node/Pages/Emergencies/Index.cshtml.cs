using HealthLedger.Core.Model;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Emergencies;

/// <summary>
/// Declared emergencies (staff): every emergency with its scope, rescuers, categories and times; admins of an active member
/// propose a declaration (field errors next to the inputs), an extension or an early end — each a consortium proposal the
/// other organisations approve on the Consortium page — and register their organisation's rescuer logins (medics); admins
/// and auditors download each emergency's access report as CSV.
/// </summary>
public sealed class EmergenciesIndexModel(EmergencyService emergencies, BreakGlassService breakGlass, ConsortiumService consortium, LedgerNode node) : HospitalPage
{
    /// <summary>The declaration form.</summary>
    public sealed class DeclareForm
    {
        public string? Title { get; set; }
        public string? Area { get; set; }
        public List<string> Scope { get; set; } = [];
        public List<string> Rescuers { get; set; } = [];
        public List<string> Categories { get; set; } = ["demographics"];
        public string? EndsAt { get; set; }
    }

    /// <summary>The declaration form's fields, bound only from "Input.*" names (never from the Extend form's <c>endsAt</c>).</summary>
    [BindProperty(Name = "Input")]
    public DeclareForm Input { get; set; } = new();

    /// <summary>Every emergency, in force first.</summary>
    public IReadOnlyList<EmergencyResponse> All { get; private set; } = [];

    /// <summary>The active member organisations, by name (scope and rescuer choices).</summary>
    public IReadOnlyList<OrganisationRecord> Organisations { get; private set; } = [];

    /// <summary>True when the signed-in admin may propose (an admin of an active member).</summary>
    public bool MayPropose { get; private set; }

    /// <summary>The rescuer login just registered, shown once.</summary>
    public (string Id, string Password)? Registered { get; private set; }

    /// <summary>Every field error of the last form, as "field: message".</summary>
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>An organisation's name (its id when unknown).</summary>
    public string NameOf(string id) => Organisations.FirstOrDefault(o => o.Id == id)?.Name ?? id;

    public IActionResult OnGet()
    {
        if (TempData["RescuerId"] is string id && TempData["RescuerPassword"] is string password) Registered = (id, password);
        return Show();
    }

    /// <summary>The emergency's access report as CSV (admins, auditors; 403/404 pages otherwise).</summary>
    public IActionResult OnGetCsv(string? id)
    {
        // The emergencies page itself (with its layout) says what went wrong: 400 without an id, 404 for an unknown one.
        if (string.IsNullOrWhiteSpace(id))
        {
            FormError = "Name the emergency whose access report to download (?handler=csv&id=<emergency>).";
            Response.StatusCode = 400;
            return Show();
        }
        var accesses = breakGlass.OfEmergency(Me, id);
        if (accesses.Kind == OutcomeKind.NotFound)
        {
            FormError = accesses.Message;
            Response.StatusCode = 404;
            return Show();
        }
        if (!accesses.IsOk) return Failure(accesses, Show);
        return File(System.Text.Encoding.UTF8.GetBytes(BreakGlassCsv.Write(accesses.Value!)), "text/csv", BreakGlassCsv.FileName(id));
    }

    public async Task<IActionResult> OnPostDeclareAsync(CancellationToken ct)
    {
        var errors = new FieldErrors();
        var endsAt = string.IsNullOrWhiteSpace(Input.EndsAt) ? null : Time.Parse(errors, "endsAt", Input.EndsAt, "The end");
        if (!errors.IsEmpty) return Refused(Outcome<ProposalView>.Invalid(errors));
        var outcome = await emergencies.DeclareAsync(Me, new EmergencyInput
        {
            Title = Input.Title,
            Area = Input.Area,
            Scope = Input.Scope,
            Rescuers = Input.Rescuers,
            Categories = Input.Categories,
            EndsAt = endsAt,
        }, ct);
        return Done(outcome);
    }

    public async Task<IActionResult> OnPostExtendAsync(string id, string? endsAt, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var at = string.IsNullOrWhiteSpace(endsAt) ? null : Time.Parse(errors, "endsAt", endsAt, "The new end");
        if (!errors.IsEmpty) return Refused(Outcome<ProposalView>.Invalid(errors), "Extend");
        return Done(await emergencies.ExtendAsync(Me, id, new EmergencyChangeInput { EndsAt = at }, ct), "Extend");
    }

    public async Task<IActionResult> OnPostEndAsync(string id, CancellationToken ct) => Done(await emergencies.EndAsync(Me, id, ct), "End");

    public async Task<IActionResult> OnPostRescuerAsync(string? userId, CancellationToken ct)
    {
        var outcome = await emergencies.RegisterRescuerAsync(Me, new RescuerInput { UserId = userId }, ct);
        if (!outcome.IsOk) return Refused(outcome, "Rescuer");
        TempData["RescuerId"] = outcome.Value!.UserId;
        TempData["RescuerPassword"] = outcome.Value.OneTimePassword;
        return Redirect("/emergencies");
    }

    /// <summary>Which form the errors belong to ("Declare", "Extend", "End", "Rescuer").</summary>
    public string? FailedForm { get; private set; }

    private IActionResult Done(Outcome<ProposalView> outcome, string form = "Declare")
    {
        if (!outcome.IsOk) return Refused(outcome, form);
        var p = outcome.Value!;
        Flash = $"Proposal {p.State.Id} ({ProposalResponse.Summarise(p.State.Action)}) is {p.Status}"
            + (p.Status == "open" ? ": the other organisations approve it on the Consortium page." : ".");
        return Redirect("/emergencies");
    }

    private IActionResult Refused<T>(Outcome<T> outcome, string form = "Declare")
    {
        if (outcome.Kind == OutcomeKind.Forbidden) return Denied(outcome.Message);
        if (PendingPage(outcome) is { } pending) return pending;
        FailedForm = form;
        Errors = EmergencyForms.Lines(outcome.Errors);
        if (form == "Declare") AddErrors(outcome.Errors);
        FormError = outcome.Kind == OutcomeKind.Invalid ? "Please correct the fields marked below." : outcome.Message;
        Response.StatusCode = EmergencyForms.StatusOf(outcome.Kind);
        return Show();
    }

    private IActionResult Show()
    {
        if (Me.Role == Role.Patient) return Denied("Declared emergencies are managed by the organisations' staff.");
        All = emergencies.List();
        Organisations = EmergencyForms.ActiveOrganisations(node);
        MayPropose = consortium.MayVote(Me);
        return Page();
    }
}
