using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Fhir;
using HealthLedger.Node.Hosting;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// HealthLedger ids may hold '_' (user and organisation ids: lower-case letters, digits, '.', '_', '-'), FHIR ids may not
/// (<c>[A-Za-z0-9\-\.]{1,64}</c>): every id and reference the interface writes goes through <see cref="FhirIds"/>, and every
/// read, search parameter and write reference comes back through it. A doctor <c>dr_ann</c> at organisation
/// <c>ward_seven-clinic</c>, read, searched, referenced from an Encounter and referenced by a write; every resource validated.
/// </summary>
public partial class FhirIdTests
{
    [Fact]
    public void The_encoding_keeps_valid_ids_and_round_trips_the_others()
    {
        foreach (var id in new[] { "pt-7k2m9q4xza", "dr-ann", "a.b-c", "tx-1" }) Assert.Equal(id, FhirIds.Of(id));
        Assert.Equal("drUann", FhirIds.Of("dr_ann"));
        Assert.Equal("role-drUann", FhirIds.Of("role-dr_ann"));
        foreach (var id in new[] { "dr_ann", "__x__", "Upper_Case", "ünï code/ok", new string('_', 64) })
        {
            Assert.True(FhirIds.IsValid(FhirIds.Of(id)), FhirIds.Of(id));
            Assert.Equal(id, FhirIds.Ledger(FhirIds.Of(id)));
        }
        Assert.Equal(64, FhirIds.Of(new string('_', 64)).Length);
        Assert.Equal("dr_ann", FhirIds.Ledger("dr_ann")); // a ledger id given as it is
        Assert.Null(FhirIds.Ledger("DR-ANN"));
        Assert.Null(FhirIds.Ledger("aX4"));
        var role = FhirIds.Prefixed("role-", "d" + new string('_', 63));
        Assert.True(FhirIds.IsValid(role), role);
    }

    [Fact]
    public async Task A_doctor_and_an_organisation_with_underscores_are_valid_fhir_ids_everywhere()
    {
        using var folder = new TempDirectory();
        NetworkInitializer.Init(folder.Combine("data"), "Ward_Seven Clinic", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly);
        await using var node = await NodeFixture.StartAsync(folder);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr_ann", name = "Ann Under", specialty = "Medicine", department = "Ward 7", licenceNumber = "U-1" }, Ct));
        var patient = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-U1", fullName = "Pat Under", dateOfBirth = "1975-05-05", gender = "male", conditions = Array.Empty<string>() }, Ct));
        var visit = await Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries",
            new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-2).ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture), doctorId = "dr_ann", notes = "Review." }, Ct));
        const string doctor = "drUann", organisation = "wardUseven-clinic";

        // Reads by the FHIR ids.
        var practitioner = await Valid<Practitioner>(await admin.GetAsync($"/fhir/R4/Practitioner/{doctor}", Ct));
        Assert.Equal(doctor, practitioner.Id);
        var role = await Valid<PractitionerRole>(await admin.GetAsync($"/fhir/R4/PractitionerRole/role-{doctor}", Ct));
        Assert.Equal($"Practitioner/{doctor}", role.Practitioner!.Reference);
        Assert.Equal($"Organization/{organisation}", role.Organization!.Reference);
        var organization = await Valid<Organization>(await admin.GetAsync($"/fhir/R4/Organization/{organisation}", Ct));
        Assert.Equal(organisation, organization.Id);
        Assert.Equal("ward_seven-clinic", organization.Identifier.Single().Value); // the identifier keeps the ledger's own id
        var pat = await Valid<Patient>(await admin.GetAsync($"/fhir/R4/Patient/{patient.Id}", Ct));
        Assert.Equal($"Organization/{organisation}", pat.ManagingOrganization!.Reference);

        // Searches by id and by reference, and includes that follow the references.
        Assert.Equal(doctor, Entries(await Valid<Bundle>(await admin.GetAsync($"/fhir/R4/Practitioner?_id={doctor}", Ct))).Single().Id);
        Assert.Equal(organisation, Entries(await Valid<Bundle>(await admin.GetAsync($"/fhir/R4/Organization?_id={organisation}", Ct))).Single().Id);
        var roles = await Valid<Bundle>(await admin.GetAsync(
            $"/fhir/R4/PractitionerRole?practitioner=Practitioner/{doctor}&organization=Organization/{organisation}&_include=PractitionerRole:practitioner&_include=PractitionerRole:organization", Ct));
        Assert.Equal($"role-{doctor}", Entries(roles).Single().Id);
        Assert.Equal([doctor, organisation], Entries(roles, Bundle.SearchEntryMode.Include).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(patient.Id, Entries(await Valid<Bundle>(await admin.GetAsync($"/fhir/R4/Patient?organization=Organization/{organisation}", Ct))).Single().Id);

        // An Encounter refers to the doctor and organisation by their FHIR ids; its participant include reads the doctor.
        var encounters = await Valid<Bundle>(await admin.GetAsync($"/fhir/R4/Encounter?patient={patient.Id}&_include=Encounter:participant", Ct));
        var encounter = Assert.IsType<Encounter>(Entries(encounters).Single());
        Assert.Equal(visit.Id, encounter.Id);
        Assert.Equal($"Practitioner/{doctor}", encounter.Participant.Single().Individual!.Reference);
        Assert.Equal($"Organization/{organisation}", encounter.ServiceProvider!.Reference);
        Assert.Equal(doctor, Entries(encounters, Bundle.SearchEntryMode.Include).Single().Id);

        // A write that references them: the visit is the doctor's (dr_ann) in the JSON API.
        var written = await Valid<Encounter>(await admin.PostAsync("/fhir/R4/Encounter", Body(new Encounter
        {
            Status = Encounter.EncounterStatus.Finished,
            Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
            Subject = new ResourceReference($"Patient/{patient.Id}"),
            Participant = [new Encounter.ParticipantComponent { Individual = new ResourceReference($"Practitioner/{doctor}") }],
            Period = new Period { Start = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) },
            ReasonCode = [new CodeableConcept { Text = "Follow-up" }],
        }), Ct), HttpStatusCode.Created);
        Assert.Equal($"Practitioner/{doctor}", written.Participant.Single().Individual!.Reference);
        var entries = await admin.GetFromJsonAsync<List<EntryResponse>>($"/api/v1/patients/{patient.Id}/entries", Ct);
        Assert.Equal("dr_ann", entries!.Single(e => e.Id == written.Id).DoctorId);
        // The raw ledger id is no FHIR id: a write reference to it is refused (400 naming the field), nothing written.
        var refused = await Valid<OperationOutcome>(await admin.PostAsync("/fhir/R4/Encounter", Body(new Encounter
        {
            Status = Encounter.EncounterStatus.Finished,
            Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
            Subject = new ResourceReference($"Patient/{patient.Id}"),
            Participant = [new Encounter.ParticipantComponent { Individual = new ResourceReference("Practitioner/dr_ann") }],
            Period = new Period { Start = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) },
            ReasonCode = [new CodeableConcept { Text = "Follow-up" }],
        }), Ct), HttpStatusCode.BadRequest);
        Assert.Contains(refused.Issue, i => i.Expression.Contains("Encounter.participant"));
        Assert.Equal(2, (await admin.GetFromJsonAsync<List<EntryResponse>>($"/api/v1/patients/{patient.Id}/entries", Ct))!.Count);
    }

    /// <summary>The resource (as <see cref="Fhir{T}"/> reads it: validated), after checking that every id and literal reference in the body is a valid FHIR one.</summary>
    private static async Task<T> Valid<T>(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK) where T : Resource
    {
        var resource = await Fhir<T>(response, status);
        var json = resource.ToJson();
        foreach (Match m in IdOrReference().Matches(json))
        {
            var value = m.Groups["value"].Value;
            var id = m.Groups["key"].Value == "id" ? value : value.StartsWith('#') ? value[1..] : value.Split('/') is [_, var last] ? last : value.Split('/')[^3];
            Assert.True(FhirIds.IsValid(id), $"'{value}' in {json}");
        }
        return resource;
    }

    [GeneratedRegex("\"(?<key>id|reference)\":\"(?<value>[^\"]*)\"")]
    private static partial Regex IdOrReference();
}
