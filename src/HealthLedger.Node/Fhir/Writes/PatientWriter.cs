using HealthLedger.Node.Fhir.Resources;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>Patient</c> create = registration (<see cref="PatientService.RegisterAsync"/>: admins; the MRN is the identifier of
/// type MR, else the first identifier, letters, digits and '-' only); update = a new version of the demographics
/// (<see cref="PatientService.UpdateAsync"/> with <c>If-Match: W/"n"</c>). The conditions, allergies and blood group of the
/// record, which Patient does not carry, are kept as they are. The new login's one-time password is not returned (a
/// resource has no place for it): the admin resets it on the patient's page.
/// </summary>
public sealed class PatientWriter(PatientService patients, PatientDirectory directory, HospitalTime time, IServiceProvider services) : IFhirPlannedWriter
{
    /// <summary>The service fields as FHIR paths.</summary>
    public static readonly IReadOnlyDictionary<string, string> Paths = new Dictionary<string, string>
    {
        ["mrn"] = "Patient.identifier",
        ["fullName"] = "Patient.name",
        ["dateOfBirth"] = "Patient.birthDate",
        ["gender"] = "Patient.gender",
        ["phone"] = "Patient.telecom",
        ["email"] = "Patient.telecom",
        ["address"] = "Patient.address",
        ["emergencyContact"] = "Patient.contact",
        ["version"] = "Patient.meta.versionId",
        ["conditions"] = "Patient",
        ["allergies"] = "Patient",
        ["bloodGroup"] = "Patient",
        ["area"] = "Patient",
    };

    /// <inheritdoc />
    public string TypeName => "Patient";

    /// <inheritdoc />
    public Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references)
    {
        var patient = (Patient)resource;
        var input = Input(patient, null);
        var (details, errors) = input.Validate(time.Today);
        if (details is null) return FhirWrite.Remap<WriteResult, FhirPlannedWrite>(Outcome<WriteResult>.Invalid(errors), Paths, "Patient");
        if (patients.MrnTaken(details.Mrn)) return FhirWrite.Invalid<FhirPlannedWrite>("Patient.identifier", "A patient with this MRN is already registered.");
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, [], async (_, ct) =>
        {
            var registered = await patients.RegisterAsync(actor, input, ct);
            return registered.IsOk ? Stored(actor, registered.Value!.Id) : FhirWrite.Remap<WriteResult, Resource>(registered, Paths, "Patient");
        }));
    }

    /// <inheritdoc />
    public Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct) => this.PlanAndSubmitAsync(actor, resource, ct);

    /// <inheritdoc />
    public async Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct)
    {
        id = FhirIds.Ledger(id) ?? id;
        var current = directory.Patient(id);
        if (current is null || current.OrganisationId != actor.OrganisationId)
        {
            // The service answers the role (403) before the existence (404); ask it.
            var refused = await patients.UpdateAsync(actor, id, new PatientInput(), FhirWrite.IfMatch(ifMatch), ct);
            return refused.As<Resource>();
        }
        var input = Input((Patient)resource, current.Details);
        if (input.Mrn is null or { Length: 0 }) input.Mrn = current.Details.Mrn;
        var updated = await patients.UpdateAsync(actor, id, input, FhirWrite.IfMatch(ifMatch), ct);
        return updated.IsOk ? Stored(actor, id) : FhirWrite.Remap<WriteResult, Resource>(updated, Paths, "Patient");
    }

    /// <summary>The registration input of a FHIR Patient; the fields Patient does not carry are taken from <paramref name="keep"/>.</summary>
    public static PatientInput Input(Patient patient, PatientDetails? keep) => new()
    {
        Mrn = Mrn(patient),
        FullName = FullName(patient),
        DateOfBirth = DateOnly.TryParseExact(patient.BirthDate ?? "", "yyyy-MM-dd", out var dob) ? dob : null,
        Gender = patient.Gender switch
        {
            AdministrativeGender.Female => "female",
            AdministrativeGender.Male => "male",
            AdministrativeGender.Other => "other",
            AdministrativeGender.Unknown => "unknown",
            _ => "",
        },
        Phone = patient.Telecom.FirstOrDefault(t => t.System == ContactPoint.ContactPointSystem.Phone)?.Value,
        Email = patient.Telecom.FirstOrDefault(t => t.System == ContactPoint.ContactPointSystem.Email)?.Value,
        Address = patient.Address.FirstOrDefault() is { } a ? AddressText(a) : null,
        EmergencyContact = patient.Contact.FirstOrDefault()?.Name is { } n ? NameText(n) : null,
        Conditions = keep?.Conditions.ToList(),
        Allergies = keep?.Allergies,
        Medications = keep?.Medications.ToList(),
        BloodGroup = keep?.BloodGroup,
    };

    /// <summary>
    /// The MRN: the identifier of type MR (or of this server's MRN system), else the first identifier; letters, digits and '-'
    /// only (others dropped), upper case, at most 32 characters. Null when there is none.
    /// </summary>
    public static string? Mrn(Patient patient)
    {
        var identifier = patient.Identifier.FirstOrDefault(i => FhirWrite.Has(i.Type, "http://terminology.hl7.org/CodeSystem/v2-0203", "MR"))
            ?? patient.Identifier.FirstOrDefault(i => i.System?.StartsWith(FhirMeta.MrnSystem(""), StringComparison.Ordinal) == true)
            ?? patient.Identifier.FirstOrDefault();
        return identifier?.Value is { Length: > 0 } value ? Sanitise(value) : null;
    }

    /// <summary>Letters, digits and '-' of <paramref name="value"/>, upper case, at most 32.</summary>
    public static string Sanitise(string value)
    {
        var kept = new string(value.Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray()).ToUpperInvariant();
        if (kept.Length > 32) kept = new string(kept.Where(c => c != '-').ToArray());
        return kept.Length <= 32 ? kept : kept[..32];
    }

    /// <summary>The full name: the official (else first) name's text, else its given names and family.</summary>
    public static string? FullName(Patient patient)
    {
        var name = patient.Name.FirstOrDefault(n => n.Use == HumanName.NameUse.Official) ?? patient.Name.FirstOrDefault();
        return name is null ? null : NameText(name);
    }

    private static string NameText(HumanName name) =>
        name.Text is { Length: > 0 } text ? text.Trim() : string.Join(' ', name.Given.Append(name.Family).Where(p => !string.IsNullOrWhiteSpace(p))).Trim();

    private static string AddressText(Address a) =>
        a.Text is { Length: > 0 } text ? text.Trim()
        : string.Join(", ", a.Line.Append(a.City).Append(string.Join(' ', new[] { a.State, a.PostalCode }.Where(p => !string.IsNullOrWhiteSpace(p)))).Append(a.Country)
            .Where(p => !string.IsNullOrWhiteSpace(p)));

    private Outcome<Resource> Stored(UserSession actor, string id) =>
        FhirStored.Read(services, actor, TypeName, id, () => directory.Patient(id) is { } view ? PatientResource.ToFhir(view) : null);
}

/// <summary>The resource a write returns: the registered read mapping's (as the writer may read it), else the writer's own.</summary>
public static class FhirStored
{
    /// <summary>Reads <paramref name="type"/>/<paramref name="id"/> through its registered mapping, else builds it with <paramref name="fallback"/>.</summary>
    public static Outcome<Resource> Read(IServiceProvider services, UserSession actor, string type, string id, Func<Resource?> fallback)
    {
        if (services.GetRequiredService<FhirResourceTypes>().Find(type) is { } mapped && mapped.Read(actor, id) is { IsOk: true } read) return read;
        return fallback() is { } built ? Outcome<Resource>.Ok(built) : Outcome<Resource>.Failed($"{type} {id} was committed but this node cannot open it.");
    }
}
