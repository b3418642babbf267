using HealthLedger.Node.Audit;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Policy;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Access;

public sealed class AccessModel(ConsentService consent, AccessRequestService requests, AccessHistoryService history, DoctorService doctors, DisclosureRecorder recorder, PolicyService policy,
    Node.Emergencies.BreakGlassService breakGlass, Node.Emergencies.EmergencyNotices notices) : HospitalPage
{
    /// <summary>The patient's break-glass accesses, newest first (the patient and admins of their organisation; empty for others).</summary>
    public IReadOnlyList<Node.Emergencies.BreakGlassResponse> BreakGlass { get; private set; } = [];

    /// <summary>The patient acknowledges the break-glass accesses the banner notified (a marker at this node, no transaction).</summary>
    public IActionResult OnPostAcknowledge(string id)
    {
        if (Me.Role == Core.Model.Role.Patient && Me.UserId == id) notices.Acknowledge(Me);
        Flash = "Thank you: you have seen the break-glass accesses to your record.";
        return Redirect($"/patients/{id}/access");
    }

    public sealed class GrantForm
    {
        public string? GranteeKind { get; set; }
        public string? GranteeId { get; set; }
        public DateOnly? ExpiresAt { get; set; }
        public string? Categories { get; set; }
    }

    [BindProperty]
    public GrantForm Input { get; set; } = new();

    [BindProperty]
    public List<string> Categories { get; set; } = ["all"];

    public string PatientId { get; private set; } = "";
    public bool IsPatient => Me.UserId == PatientId;
    public string OrganisationId => Me.OrganisationId;
    public IReadOnlyList<DoctorView> Doctors { get; private set; } = [];

    /// <summary>The active member organisations, by name (a doctor's organisation name; organisation grantees).</summary>
    public IReadOnlyList<Core.Model.OrganisationRecord> Organisations { get; private set; } = [];

    /// <summary>An organisation's name, or its id.</summary>
    public string OrganisationName(string id) => Organisations.FirstOrDefault(o => o.Id == id)?.Name ?? id;
    public IReadOnlyList<GrantView> Grants { get; private set; } = [];
    public IReadOnlyList<CareView> Care { get; private set; } = [];
    public Core.Model.NetworkPolicy Policy => policy.Current.Policy;
    public string Days(int days) => days == 1 ? "1 day" : $"{days} days";
    /// <summary>The latest groups of the access history (the whole history is on <c>/patients/{id}/access/history</c>).</summary>
    public AccessHistoryPage? History { get; private set; }

    /// <summary>Doctors' requests for access to the patient's records (shown to the patient only), newest first.</summary>
    public IReadOnlyList<AccessRequestView> Requests { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        // Show reads up to now: wait (briefly) for queued disclosures to reach the ledger.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await recorder.FlushAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        return Load(id) ?? Page();
    }

    public async Task<IActionResult> OnPostGrantAsync(string id, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var (kind, grantee) = (Input.GranteeId ?? "").Split(':', 2) is [var k, var g] ? (k, g) : ("doctor", "");
        var input = new GrantInput
        {
            GranteeKind = kind,
            GranteeId = grantee,
            Categories = Categories,
            ExpiresAt = Input.ExpiresAt?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), // the end of that day, hospital time
        };
        var outcome = await consent.GrantAsync(Me, id, input, ct);
        if (!outcome.IsOk)
        {
            if (outcome.Kind == OutcomeKind.Invalid)
            {
                var errors = new FieldErrors();
                foreach (var (field, messages) in outcome.Errors!.ToDictionary())
                {
                    foreach (var m in messages) errors.Add(field == "granteeKind" ? "granteeId" : field, m);
                }
                AddErrors(errors);
                FormError = "Please correct the fields marked below.";
                return Page();
            }
            return Failure(outcome, Page);
        }
        Flash = "Shared. The grant is recorded on the ledger.";
        return Redirect($"/patients/{id}/access");
    }

    /// <summary>The active grant the patient asked to revoke, shown for confirmation before anything is changed; or null.</summary>
    public GrantView? ConfirmRevoke { get; private set; }

    /// <summary>The care relationship the patient asked to end, shown for confirmation before anything is changed; or null.</summary>
    public CareView? ConfirmEndCare { get; private set; }

    /// <summary>
    /// Revokes a grant once confirmed: the first post (the "Revoke" button) shows the confirmation step on the page (no
    /// JavaScript needed); the confirmation posts again with <paramref name="confirmed"/>. A grant that is not active (or
    /// not found) goes straight to the service, which says why it cannot be revoked.
    /// </summary>
    public async Task<IActionResult> OnPostRevokeAsync(string id, string grantId, bool confirmed, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        if (!confirmed && Grants.FirstOrDefault(g => g.Grant.Id == grantId && g.Active) is { } grant)
        {
            ConfirmRevoke = grant;
            return Page();
        }
        var outcome = await consent.RevokeAsync(Me, id, grantId, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Flash = "Access revoked.";
        return Redirect($"/patients/{id}/access");
    }

    public async Task<IActionResult> OnPostApproveAsync(string id, string requestId, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var outcome = await requests.ApproveAsync(Me, requestId, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Flash = "Request approved. The grant is recorded on the ledger.";
        return Redirect($"/patients/{id}/access");
    }

    public async Task<IActionResult> OnPostDeclineAsync(string id, string requestId, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        var outcome = await requests.DeclineAsync(Me, requestId, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Flash = "Request declined. Nothing was shared.";
        return Redirect($"/patients/{id}/access");
    }

    /// <summary>Ends a care relationship once confirmed (as <see cref="OnPostRevokeAsync"/>).</summary>
    public async Task<IActionResult> OnPostEndCareAsync(string id, string doctorId, bool confirmed, CancellationToken ct)
    {
        if (Load(id) is { } failed) return failed;
        if (!confirmed && Care.FirstOrDefault(c => c.Care.DoctorId == doctorId && c.Active && c.Revocable) is { } care)
        {
            ConfirmEndCare = care;
            return Page();
        }
        var outcome = await consent.EndCareAsync(Me, id, doctorId, ct);
        if (!outcome.IsOk) return Failure(outcome, Page);
        Flash = "Care relationship ended.";
        return Redirect($"/patients/{id}/access");
    }

    private IActionResult? Load(string id)
    {
        PatientId = id;
        var grants = consent.Grants(Me, id);
        if (!grants.IsOk) return Failure(grants, Page);
        Grants = grants.Value!;
        Care = consent.CareRelationships(Me, id).Value!;
        History = history.Groups(Me, id, new AccessHistoryQuery(PageSize: "5")).Value;
        BreakGlass = breakGlass.OfPatient(Me, id).Value ?? [];
        Doctors = doctors.List(Me, new DoctorQuery(PageSize: 200, Organisation: "all")).Items;
        Organisations = consent.MemberOrganisations();
        Requests = IsPatient ? requests.List(Me).Value ?? [] : [];
        return null;
    }
}
