using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Patient</c> (FHIR R4 patient.html) from a patient's demographics: id, MRN as <c>identifier</c> (system per
/// organisation, <see cref="FhirMeta.MrnSystem"/>), name, gender, birthDate, telecom, address, managingOrganization. A
/// reader who reaches another category of the record but not the demographics gets the id and organisation only.
/// Reads need the demographics category; search lists the patients the reader may list (as <c>GET /api/v1/patients</c>).
/// </summary>
public sealed class PatientResource(PatientService patients, FhirPatientAccess gate, PatientDirectory directory) : IFhirResourceType
{
    /// <inheritdoc />
    public string TypeName => "Patient";

    /// <inheritdoc />
    public string Documentation => "Patients' demographics (the registration record). Search lists the patients the reader may list; every patient shown is recorded in their access history.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("identifier", SearchParamType.Token, "The medical record number (system|value or value).", []),
        new("name", SearchParamType.String, "Any part of the name: starts-with at a word, case and accents ignored; :exact, :contains.", "exact", "contains"),
        new("family", SearchParamType.String, "The family name (the name's last word).", "exact", "contains"),
        new("given", SearchParamType.String, "A given name.", "exact", "contains"),
        new("birthdate", SearchParamType.Date, "Date of birth, with prefixes (ge, le, gt, lt, eq, ne)."),
        new("gender", SearchParamType.Token, "female, male, other or unknown."),
        new("organization", SearchParamType.Reference, "The registering organisation (Organization/<id>)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("Patient:organization", r => [((Patient)r).ManagingOrganization]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return Outcome<Resource>.NotFound($"Patient {Missing.Shown(id)} does not exist.");
        id = ledgerId;
        var outcome = gate.Open(actor, id, ConsentCategories.Demographics, "FHIR Patient");
        return outcome.IsOk ? Outcome<Resource>.Ok(ToFhir(outcome.Value!)) : outcome.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        if (search.CheckDates("birthdate") is { } dateError) return Outcome<FhirMatches>.Invalid(Field("birthdate", dateError));
        var (orgIds, orgError) = search.ReferenceIds("organization", "Organization");
        if (orgError is not null) return Outcome<FhirMatches>.Invalid(Field("organization", orgError));
        var visible = patients.Visible(actor);
        if (!visible.IsOk) return visible.As<FhirMatches>();
        var ids = search.AnyOf("_id");
        var candidates = Candidates(search);
        var matches = visible.Value!
            .Where(p => candidates is null || candidates.Contains(p.Id))
            .Where(p => ids.Count == 0 || ids.Contains(FhirIds.Of(p.Id), StringComparer.Ordinal))
            .Where(p => orgIds.Count == 0 || orgIds.Contains(p.OrganisationId, StringComparer.Ordinal))
            .Where(p => !HasDemographicFilter(search) || p.DemographicsShared)
            .Where(p => search.MatchesToken("identifier", (FhirMeta.MrnSystem(p.OrganisationId), p.Details.Mrn)))
            .Where(p => search.MatchesString("name", p.Details.FullName))
            .Where(p => search.MatchesString("family", Family(p.Details.FullName)))
            .Where(p => search.MatchesString("given", Given(p.Details.FullName)))
            .Where(p => !search.Has("birthdate") || search.MatchesDate("birthdate", p.Details.DateOfBirth))
            .Where(p => search.MatchesToken("gender", ("http://hl7.org/fhir/administrative-gender", p.Details.Gender)))
            .OrderBy(p => p.Proof.Height).ThenBy(p => p.Id, StringComparer.Ordinal)
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page =>
        {
            patients.RecordShown(actor, page, "FHIR Patient search");
            return page.Select(ToFhir);
        }));
    }

    /// <summary>
    /// The patients that may match an <c>identifier</c>, <c>name</c>, <c>family</c> or <c>given</c> value, from the
    /// directory's index (a superset, checked by the filters after; null when no such value narrows the search): an MRN
    /// looked up exactly; a name, family or given value (not <c>:contains</c>) that starts with a letter or digit matches at
    /// the start of a word, so that word starts with the value's first word.
    /// </summary>
    private HashSet<string>? Candidates(FhirSearch search)
    {
        HashSet<string>? narrowest = null;
        void Keep(HashSet<string>? set)
        {
            if (set is not null && (narrowest is null || set.Count < narrowest.Count)) narrowest = set;
        }
        foreach (var value in search.Values.GetValueOrDefault("identifier") ?? [])
        {
            Keep(Union(value, alternative => alternative[(alternative.IndexOf('|', StringComparison.Ordinal) + 1)..] is { Length: > 0 } code ? directory.WithMrn(code) : null));
        }
        foreach (var name in new[] { "name", "family", "given" })
        {
            if (search.Modifiers.GetValueOrDefault(name) == "contains") continue;
            foreach (var value in search.Values.GetValueOrDefault(name) ?? [])
            {
                Keep(Union(value, alternative => PatientSearchIndex.Tokens(TextFolding.Fold(alternative)).FirstOrDefault() is { } first && char.IsLetterOrDigit(TextFolding.Fold(alternative)[0])
                    ? directory.NameWordStarting(first) : null));
            }
        }
        return narrowest;
    }

    // The union over a value's comma-separated alternatives; null when one of them cannot be narrowed.
    private static HashSet<string>? Union(string value, Func<string, HashSet<string>?> of)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alternative in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (of(alternative) is not { } some) return null;
            all.UnionWith(some);
        }
        return all;
    }

    private static bool HasDemographicFilter(FhirSearch s) =>
        s.Has("identifier") || s.Has("name") || s.Has("family") || s.Has("given") || s.Has("birthdate") || s.Has("gender");

    /// <summary>The FHIR Patient of a view (demographics only when the view carries them).</summary>
    public static Patient ToFhir(PatientView p)
    {
        var patient = new Patient
        {
            Id = FhirIds.Of(p.Id),
            Meta = FhirMeta.From(p.Proof, p.Version),
            ManagingOrganization = FhirMeta.Reference("Organization", p.OrganisationId),
        };
        if (!p.DemographicsShared) return patient;
        var d = p.Details;
        if (d.Mrn.Length > 0)
        {
            patient.Identifier.Add(new Identifier(FhirMeta.MrnSystem(p.OrganisationId), d.Mrn)
            {
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
            });
        }
        if (d.FullName.Length > 0)
        {
            var given = Given(d.FullName);
            patient.Name.Add(new HumanName { Text = d.FullName, Family = Family(d.FullName), Given = given.Length > 0 ? given.Split(' ') : [], Use = HumanName.NameUse.Official });
        }
        patient.Gender = d.Gender switch
        {
            "female" => AdministrativeGender.Female,
            "male" => AdministrativeGender.Male,
            "other" => AdministrativeGender.Other,
            "unknown" => AdministrativeGender.Unknown,
            _ => null,
        };
        if (d.DateOfBirth != default) patient.BirthDate = d.DateOfBirth.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (d.Phone.Length > 0) patient.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, d.Phone));
        if (d.Email.Length > 0) patient.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, null, d.Email));
        if (d.Address.Length > 0) patient.Address.Add(new Address { Text = d.Address });
        if (d.EmergencyContact.Length > 0)
        {
            patient.Contact.Add(new Patient.ContactComponent
            {
                Relationship = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0131", "C", "Emergency Contact")],
                Name = new HumanName { Text = d.EmergencyContact },
            });
        }
        return patient;
    }

    /// <summary>The family name as FHIR wants it: the last word of the full name (HealthLedger keeps one full-name field).</summary>
    public static string Family(string fullName) => fullName.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } words ? words[^1] : "";

    /// <summary>The given names: every word but the last.</summary>
    public static string Given(string fullName) => fullName.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 1 } words ? string.Join(' ', words[..^1]) : "";

    private static FieldErrors Field(string name, string message)
    {
        var e = new FieldErrors();
        e.Add(name, message);
        return e;
    }
}
