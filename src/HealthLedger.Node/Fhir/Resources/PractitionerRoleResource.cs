using HealthLedger.Node.Doctors;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>PractitionerRole</c> (FHIR R4 practitionerrole.html): a doctor's place at their organisation, id <c>role-{doctorId}</c>:
/// the practitioner and organisation, the specialty, the department (a <c>location</c> by name), the consultation hours
/// (<c>availabilityExceptions</c>), work phone and e-mail (not for patients), and, while the doctor is on call, the code
/// <c>on-call</c> of <see cref="FhirMeta.CodeSystem"/> next to <c>doctor</c>. Same readers as <see cref="PractitionerResource"/>.
/// </summary>
public sealed class PractitionerRoleResource(FhirDirectory directory) : IFhirResourceType
{
    /// <summary>The prefix of a role's id before the doctor id.</summary>
    public const string IdPrefix = "role-";

    /// <inheritdoc />
    public string TypeName => "PractitionerRole";

    /// <inheritdoc />
    public string Documentation => "Each doctor's role at their organisation: specialty, department, consultation hours, on call now.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("practitioner", SearchParamType.Reference, "The doctor (Practitioner/<id> or the id)."),
        new("organization", SearchParamType.Reference, "The doctor's organisation (Organization/<id> or the id)."),
        new("specialty", SearchParamType.Token, "The specialty as written in the directory (case ignored)."),
        new("role", SearchParamType.Token, "doctor, or on-call (" + FhirMeta.CodeSystem + ") for the doctors on call now."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("PractitionerRole:practitioner", r => [((PractitionerRole)r).Practitioner]),
        new("PractitionerRole:organization", r => [((PractitionerRole)r).Organization]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id) =>
        id.StartsWith(IdPrefix, StringComparison.Ordinal) && directory.Doctors(actor).FirstOrDefault(d => IdOf(d.Id) == id) is { } doctor
            ? Outcome<Resource>.Ok(ToFhir(doctor, directory.Organisation(doctor.OrganisationId)?.Name))
            : Outcome<Resource>.NotFound($"PractitionerRole {Missing.Shown(id)} does not exist.");

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var (practitioners, practitionerError) = search.ReferenceIds("practitioner", "Practitioner");
        if (practitionerError is not null) return Outcome<FhirMatches>.Invalid(FieldErrors.One("practitioner", practitionerError));
        var (organisations, organisationError) = search.ReferenceIds("organization", "Organization");
        if (organisationError is not null) return Outcome<FhirMatches>.Invalid(FieldErrors.One("organization", organisationError));
        var matches = directory.Doctors(actor, search, IdOf)
            .Where(d => practitioners.Count == 0 || practitioners.Contains(d.Id, StringComparer.Ordinal))
            .Where(d => organisations.Count == 0 || organisations.Contains(d.OrganisationId, StringComparer.Ordinal))
            .Where(d => search.MatchesToken("specialty", (null, d.Details.Specialty)))
            .Where(d => search.MatchesToken("role", Roles(d).Select(r => ((string?)r.System, (string?)r.Code))))
            .ToList();
        var names = directory.Organisations().ToDictionary(o => o.Id, o => o.Name, StringComparer.Ordinal);
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page => page.Select(d => (Resource)ToFhir(d, names.GetValueOrDefault(d.OrganisationId)))));
    }

    /// <summary>
    /// The role's FHIR id, <c>role-{doctorId}</c> (<see cref="FhirIds.Prefixed"/>: the doctor id as <see cref="FhirIds.Of"/>
    /// writes it, shortened with a hash in the rare case that would pass 64 characters).
    /// </summary>
    public static string IdOf(string doctorId) => FhirIds.Prefixed(IdPrefix, doctorId);

    private static IEnumerable<Coding> Roles(DoctorView d)
    {
        yield return new Coding("http://terminology.hl7.org/CodeSystem/practitioner-role", "doctor", "Doctor");
        if (d.Details.OnCall) yield return new Coding(FhirMeta.CodeSystem, "on-call", "On call");
    }

    /// <summary>The FHIR PractitionerRole of a directory entry (as the reader may see it).</summary>
    public static PractitionerRole ToFhir(DoctorView doctor, string? organisationName)
    {
        var d = doctor.Details;
        var role = new PractitionerRole
        {
            Id = IdOf(doctor.Id),
            Meta = FhirMeta.From(doctor.Proof, doctor.Version),
            Active = true,
            Practitioner = FhirMeta.Reference("Practitioner", doctor.Id, d.Name),
            Organization = FhirMeta.Reference("Organization", doctor.OrganisationId, organisationName),
            Code = Roles(doctor).Select(c => new CodeableConcept { Coding = [c] }).ToList(),
        };
        if (d.Specialty.Length > 0) role.Specialty.Add(new CodeableConcept { Text = d.Specialty });
        if (d.Department.Length > 0) role.Location.Add(new ResourceReference { Display = d.Department });
        if (d.ConsultationHours.Length > 0) role.AvailabilityExceptions = d.ConsultationHours;
        if (d.Phone.Length > 0) role.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Work, d.Phone));
        if (d.Email.Length > 0) role.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, d.Email));
        return role;
    }
}
