using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Consent</c> (FHIR R4 consent.html) from a patient's consent grants (<see cref="ConsentService.Grants"/>: the patient,
/// or an admin of their organisation): id = the grant id; status <c>active</c>, or <c>inactive</c> once revoked or expired;
/// scope <c>patient-privacy</c>; category LOINC 59284-0; policyRule OPTIN; dateTime = the grant's block time; one permit
/// provision whose <c>actor</c> is the grantee (Practitioner or Organization, role IRCP), whose <c>period</c> runs from
/// the grant to the revocation or expiry, and whose <c>code</c>s are the categories shared (HealthLedger's own code system
/// <c>…/CodeSystem/consent-category</c>: demographics, encounters, account, reports, laboratory, medication).
/// </summary>
public sealed class ConsentResource(ConsentService consent, PatientDirectory directory, FhirPatientAccess gate) : IFhirResourceType
{
    /// <summary>The code system of the consent categories.</summary>
    public const string CategorySystem = FhirMeta.CodeSystem + "/consent-category";

    /// <inheritdoc />
    public string TypeName => "Consent";

    /// <inheritdoc />
    public string Documentation => "Patients' consent grants (active, or inactive once revoked or expired): the grantee as provision.actor, the categories shared as provision.code. The patient, or an admin of their organisation.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient who granted (Patient/<id>)."),
        new("status", SearchParamType.Token, "active or inactive."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("Consent:patient", r => [((Hl7.Fhir.Model.Consent)r).Patient]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } grantId) return Outcome<Resource>.NotFound($"Consent {Missing.Shown(id)} does not exist.");
        var grant = consent.Grant(actor, grantId);
        if (grant.Kind == OutcomeKind.NotFound) return Outcome<Resource>.NotFound($"Consent {Missing.Shown(id)} does not exist.");
        return grant.IsOk ? Outcome<Resource>.Ok(ToFhir(grant.Value!)) : grant.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var (patientIds, error) = search.ReferenceIds("patient", "Patient");
        if (error is not null) return Outcome<FhirMatches>.Invalid(FieldErrors.One("patient", error));
        IEnumerable<string> scope = patientIds.Count > 0 ? patientIds
            : actor.Role == Role.Patient ? [actor.UserId]
            : actor.Role == Role.Admin ? directory.Patients(actor.OrganisationId).Select(p => p.Id)
            : [];
        var all = new List<GrantView>();
        foreach (var patientId in scope.Distinct(StringComparer.Ordinal))
        {
            var grants = consent.Grants(actor, patientId);
            if (grants.IsOk)
            {
                all.AddRange(grants.Value!);
                continue;
            }
            // A patient named in the search and not reachable answers as a read would (403 when shared with nobody here).
            if (patientIds.Count == 0) continue;
            if (grants.Kind == OutcomeKind.NotFound && gate.OrganisationOf(patientId) is not null)
            {
                return Outcome<FhirMatches>.Forbidden($"Patient {patientId}'s consents are not shared with you.");
            }
            return grants.As<FhirMatches>();
        }
        var ids = search.AnyOf("_id");
        var matches = all
            .Where(g => ids.Count == 0 || ids.Contains(FhirIds.Of(g.Grant.Id), StringComparer.Ordinal))
            .Where(g => search.MatchesToken("status", ("http://hl7.org/fhir/consent-state-codes", g.Active ? "active" : "inactive")))
            .OrderBy(g => g.Grant.GrantedAt).ThenBy(g => g.Grant.Id, StringComparer.Ordinal)
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page => page.Select(ToFhir)));
    }

    private Hl7.Fhir.Model.Consent ToFhir(GrantView view)
    {
        var g = view.Grant;
        var granted = DateTimeOffset.FromUnixTimeMilliseconds((long)g.GrantedAt);
        ulong? end = g.RevokedAt != 0 ? g.RevokedAt : g.ExpiresAt != 0 ? g.ExpiresAt : null;
        if (g.RevokedAt != 0 && g.ExpiresAt != 0) end = Math.Min(g.RevokedAt, g.ExpiresAt);
        var provision = new Hl7.Fhir.Model.Consent.provisionComponent
        {
            Type = Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit,
            Period = new Period { Start = new FhirDateTime(granted).Value, End = end is { } e ? new FhirDateTime(DateTimeOffset.FromUnixTimeMilliseconds((long)e)).Value : null },
            Actor =
            [
                new Hl7.Fhir.Model.Consent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient"),
                    Reference = FhirMeta.Reference(g.Grantee == GranteeKind.Doctor ? "Practitioner" : "Organization", g.GranteeId, view.GranteeName),
                },
            ],
            Action = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentaction", "access", "Access")],
            Code = [.. ConsentCategoryNames.Of(g.Categories).Select(c => new CodeableConcept(CategorySystem, c, c))],
        };
        var organisation = gate.OrganisationOf(g.PatientId);
        return new Hl7.Fhir.Model.Consent
        {
            Id = FhirIds.Of(g.Id),
            Meta = FhirMeta.From(g.Proof, 1),
            Status = view.Active ? Hl7.Fhir.Model.Consent.ConsentState.Active : Hl7.Fhir.Model.Consent.ConsentState.Inactive,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0", "Patient Consent")],
            Patient = FhirMeta.Reference("Patient", g.PatientId),
            DateTime = new FhirDateTime(granted).Value,
            Performer = [FhirMeta.Reference("Patient", g.PatientId)],
            Organization = organisation is null ? [] : [FhirMeta.Reference("Organization", organisation)],
            PolicyRule = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
            Provision = provision,
        };
    }
}
