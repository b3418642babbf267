using HealthLedger.Node.Doctors;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Practitioner</c> (FHIR R4 practitioner.html) from the doctor directory: id = doctor id, the licence number as
/// <c>identifier</c> (<see cref="LicenceSystem"/>), name, work phone and e-mail, qualification. Readable by every signed-in
/// user for the doctors the directory lists them (every active member organisation's); licence number, phone and e-mail are
/// hidden from patients, as in the JSON API.
/// </summary>
public sealed class PractitionerResource(FhirDirectory directory) : IFhirResourceType
{
    /// <summary>The identifier system of doctors' licence numbers.</summary>
    public const string LicenceSystem = "https://healthledger.example/fhir/NamingSystem/licence";

    /// <inheritdoc />
    public string TypeName => "Practitioner";

    /// <inheritdoc />
    public string Documentation => "Doctors of the directory (every active member organisation's). Licence number, phone and e-mail are hidden from patients.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("name", SearchParamType.String, "Any part of the name: starts-with at a word, case and accents ignored; :exact, :contains.", "exact", "contains"),
        new("identifier", SearchParamType.Token, "The licence number (" + LicenceSystem + "|value or value)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } = [];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id) =>
        FhirIds.Ledger(id) is { } doctorId && directory.Doctor(actor, doctorId) is { } doctor ? Outcome<Resource>.Ok(ToFhir(doctor)) : Outcome<Resource>.NotFound($"Practitioner {Missing.Shown(id)} does not exist.");

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var matches = directory.Doctors(actor, search, FhirIds.Of)
            .Where(d => search.MatchesString("name", d.Details.Name))
            .Where(d => search.MatchesToken("identifier", (LicenceSystem, d.Details.LicenceNumber.Length > 0 ? d.Details.LicenceNumber : null)))
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page => page.Select(d => (Resource)ToFhir(d))));
    }

    /// <summary>The FHIR Practitioner of a directory entry (as the reader may see it).</summary>
    public static Practitioner ToFhir(DoctorView doctor)
    {
        var d = doctor.Details;
        var practitioner = new Practitioner { Id = FhirIds.Of(doctor.Id), Meta = FhirMeta.From(doctor.Proof, doctor.Version), Active = true };
        if (d.LicenceNumber.Length > 0)
        {
            practitioner.Identifier.Add(new Identifier(LicenceSystem, d.LicenceNumber)
            {
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MD", "Medical License number"),
            });
        }
        if (d.Name.Length > 0)
        {
            var given = PatientResource.Given(d.Name);
            practitioner.Name.Add(new HumanName { Text = d.Name, Family = PatientResource.Family(d.Name), Given = given.Length > 0 ? given.Split(' ') : [] });
        }
        if (d.Phone.Length > 0) practitioner.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Work, d.Phone));
        if (d.Email.Length > 0) practitioner.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, d.Email));
        if (d.Qualification.Length > 0) practitioner.Qualification.Add(new Practitioner.QualificationComponent { Code = new CodeableConcept { Text = d.Qualification } });
        return practitioner;
    }
}
