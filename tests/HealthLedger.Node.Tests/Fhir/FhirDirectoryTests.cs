using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Fhir.Resources;
using Hl7.Fhir.Model;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>/fhir/R4 Practitioner, PractitionerRole and Organization against a real node; every resource returned is validated.</summary>
public class FhirDirectoryTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Patient) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new
        {
            doctorId = "dr-one",
            name = "Alice Zoë Smith",
            specialty = "Cardiology",
            department = "Heart Unit",
            qualification = "MD, FRCP",
            licenceNumber = "GMC-1001",
            phone = "+44 20 1234 5678",
            email = "alice@hospital.example",
            consultationHours = "Mon-Fri 9-12",
            onCall = true,
        }, Ct));
        await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-two", name = "Bob Jones", specialty = "Neurology", department = "Neuro", licenceNumber = "GMC-2002" }, Ct));
        var patient = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-D1", fullName = "Pat Reader", dateOfBirth = "1980-01-01", gender = "female", conditions = Array.Empty<string>() }, Ct));
        return new World(node, admin, await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!));
    }

    [Fact]
    public async Task Practitioners_read_and_search_by_name_licence_and_id_with_private_details_hidden_from_patients()
    {
        await using var w = await SetUpAsync();
        var alice = await Fhir<Practitioner>(await w.Admin.GetAsync("/fhir/R4/Practitioner/dr-one", Ct), HttpStatusCode.OK);
        Assert.Equal("Smith", alice.Name.Single().Family);
        Assert.Equal(["Alice", "Zoë"], alice.Name.Single().Given);
        Assert.Equal((PractitionerResource.LicenceSystem, "GMC-1001"), (alice.Identifier.Single().System, alice.Identifier.Single().Value));
        Assert.Contains(alice.Telecom, t => t.System == ContactPoint.ContactPointSystem.Email && t.Value == "alice@hospital.example");
        Assert.Equal("MD, FRCP", alice.Qualification.Single().Code!.Text);
        Assert.Equal("1", alice.Meta!.VersionId);

        var byName = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Practitioner?name=zoe", Ct), HttpStatusCode.OK);
        Assert.Equal("dr-one", Entries(byName).Single().Id);
        var byLicence = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Practitioner?identifier={Uri.EscapeDataString(PractitionerResource.LicenceSystem + "|GMC-2002")}", Ct), HttpStatusCode.OK);
        Assert.Equal("dr-two", Entries(byLicence).Single().Id);
        var byIds = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Practitioner?_id=dr-one,dr-two&name=bob", Ct), HttpStatusCode.OK);
        Assert.Equal("dr-two", Entries(byIds).Single().Id);
        var all = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Practitioner", Ct), HttpStatusCode.OK);
        Assert.Equal(2, all.Total);

        // A patient reads the directory without licence numbers, phones and e-mails (as in the JSON API).
        var seenByPatient = await Fhir<Practitioner>(await w.Patient.GetAsync("/fhir/R4/Practitioner/dr-one", Ct), HttpStatusCode.OK);
        Assert.Equal("Alice Zoë Smith", seenByPatient.Name.Single().Text);
        Assert.Empty(seenByPatient.Identifier);
        Assert.Empty(seenByPatient.Telecom);
        var byLicenceAsPatient = await Fhir<Bundle>(await w.Patient.GetAsync("/fhir/R4/Practitioner?identifier=GMC-1001", Ct), HttpStatusCode.OK);
        Assert.Empty(byLicenceAsPatient.Entry);

        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Practitioner/dr-nobody", Ct), HttpStatusCode.NotFound);
        var bad = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Practitioner?specialty=x", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("specialty", bad.Issue.Single().Expression.Single());
    }

    [Fact]
    public async Task Practitioner_roles_give_specialty_department_hours_and_on_call_and_include_their_practitioner()
    {
        await using var w = await SetUpAsync();
        var role = await Fhir<PractitionerRole>(await w.Admin.GetAsync("/fhir/R4/PractitionerRole/role-dr-one", Ct), HttpStatusCode.OK);
        Assert.Equal("Practitioner/dr-one", role.Practitioner!.Reference);
        Assert.Equal("Organization/fixture-hospital", role.Organization!.Reference);
        Assert.Equal("Fixture Hospital", role.Organization!.Display);
        Assert.Equal("Cardiology", role.Specialty.Single().Text);
        Assert.Equal("Heart Unit", role.Location.Single().Display);
        Assert.Equal("Mon-Fri 9-12", role.AvailabilityExceptions);
        Assert.Contains(role.Code, c => c.Coding.Any(x => x.Code == "on-call"));

        var cardiology = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/PractitionerRole?specialty=cardiology&_include=PractitionerRole:practitioner", Ct), HttpStatusCode.OK);
        Assert.Equal("role-dr-one", Entries(cardiology).Single().Id);
        Assert.Equal("dr-one", Assert.IsType<Practitioner>(Entries(cardiology, Bundle.SearchEntryMode.Include).Single()).Id);
        var onCall = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/PractitionerRole?role={Uri.EscapeDataString(Hl7FhirCodeSystem + "|on-call")}", Ct), HttpStatusCode.OK);
        Assert.Equal("role-dr-one", Entries(onCall).Single().Id);
        var ofBob = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/PractitionerRole?practitioner=Practitioner/dr-two&organization=fixture-hospital&_include=PractitionerRole:organization", Ct), HttpStatusCode.OK);
        Assert.Equal("role-dr-two", Entries(ofBob).Single().Id);
        Assert.Equal("fixture-hospital", Assert.IsType<Organization>(Entries(ofBob, Bundle.SearchEntryMode.Include).Single()).Id);
        var none = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/PractitionerRole?organization=Organization/elsewhere", Ct), HttpStatusCode.OK);
        Assert.Empty(none.Entry);

        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/PractitionerRole/dr-one", Ct), HttpStatusCode.NotFound);
        var wrongType = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/PractitionerRole?practitioner=Patient/dr-one", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("practitioner", wrongType.Issue.Single().Expression.Single());
    }

    private const string Hl7FhirCodeSystem = HealthLedger.Node.Fhir.FhirMeta.CodeSystem;

    [Fact]
    public async Task Organizations_come_from_the_chain_and_search_by_name_and_identifier()
    {
        await using var w = await SetUpAsync();
        var organization = await Fhir<Organization>(await w.Patient.GetAsync("/fhir/R4/Organization/fixture-hospital", Ct), HttpStatusCode.OK);
        Assert.Equal("Fixture Hospital", organization.Name);
        Assert.True(organization.Active);
        Assert.Equal((OrganizationResource.IdentifierSystem, "fixture-hospital"), (organization.Identifier.Single().System, organization.Identifier.Single().Value));
        Assert.Contains(organization.Type.Single().Coding, c => c.System == OrganizationResource.TypeSystem && c.Code == "hospital");

        var byName = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Organization?name=fixture", Ct), HttpStatusCode.OK);
        Assert.Equal("fixture-hospital", Entries(byName).Single().Id);
        var byIdentifier = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Organization?identifier=fixture-hospital", Ct), HttpStatusCode.OK);
        Assert.Single(byIdentifier.Entry);
        var byId = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Organization?_id=fixture-hospital", Ct), HttpStatusCode.OK);
        Assert.Single(byId.Entry);
        var none = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Organization?name:exact=Fixture", Ct), HttpStatusCode.OK);
        Assert.Empty(none.Entry);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Organization/no-such-org", Ct), HttpStatusCode.NotFound);

        // Metadata lists the types with their parameters and includes.
        var statement = await Fhir<CapabilityStatement>(await w.Node.Http.GetAsync("/fhir/R4/metadata", Ct), HttpStatusCode.OK);
        var types = statement.Rest.Single().Resource;
        Assert.Contains(types.Single(t => t.Type == "PractitionerRole").SearchInclude, i => i == "PractitionerRole:practitioner");
        Assert.Contains(types.Single(t => t.Type == "Encounter").SearchParam, p => p.Name == "patient");
        Assert.Contains(types.Single(t => t.Type == "ChargeItem").SearchParam, p => p.Name == "patient");
        Assert.Contains(types.Single(t => t.Type == "Account").SearchParam, p => p.Name == "patient");
    }
}
