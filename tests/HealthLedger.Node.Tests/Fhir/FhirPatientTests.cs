using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Web;
using Hl7.Fhir.Model;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>/fhir/R4 Patient, metadata and the interface's errors against a real node; every resource returned is validated.</summary>
public class FhirPatientTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, string PatientId, string OtherPatientId);

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Created(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1", phone = "+44 20 1234 5678", onCall = true }, Ct));
        var patient = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Zoë Roe", dateOfBirth = "1980-02-29", gender = "female", phone = "+1 555 0100", email = "jane@example.org", conditions = new[] { "Asthma" } }, Ct));
        var other = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-2", fullName = "John Doe", dateOfBirth = "1975-06-01", gender = "male", conditions = Array.Empty<string>() }, Ct));
        return new World(node, admin, await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!), patient.Id, other.Id);
    }

    [Fact]
    public async System.Threading.Tasks.Task Metadata_is_public_and_states_what_is_served()
    {
        await using var node = await NodeFixture.StartAsync();
        var statement = await Fhir<CapabilityStatement>(await node.Http.GetAsync("/fhir/R4/metadata", Ct), HttpStatusCode.OK);
        Assert.Equal(FHIRVersion.N4_0_1, statement.FhirVersion);
        var patient = Assert.Single(statement.Rest.Single().Resource, r => r.Type == "Patient");
        Assert.Contains(patient.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Read);
        Assert.Contains(patient.SearchParam, p => p.Name == "birthdate");
        var xml = await Fhir<CapabilityStatement>(await node.Http.GetAsync("/fhir/R4/metadata?_format=xml", Ct), HttpStatusCode.OK);
        Assert.Equal(statement.Rest.Single().Resource.Count, xml.Rest.Single().Resource.Count);
    }

    [Fact]
    public async System.Threading.Tasks.Task Patients_read_and_search_as_valid_FHIR_in_json_and_xml()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        var patient = await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal("Roe", patient.Name.Single().Family);
        Assert.Equal(["Jane", "Zoë"], patient.Name.Single().Given);
        Assert.Equal("1980-02-29", patient.BirthDate);
        Assert.Equal(AdministrativeGender.Female, patient.Gender);
        Assert.Equal("MRN-1", patient.Identifier.Single().Value);
        Assert.Equal("1", patient.Meta!.VersionId);

        using var xmlRequest = new HttpRequestMessage(HttpMethod.Get, $"/fhir/R4/Patient/{w.PatientId}");
        xmlRequest.Headers.Accept.ParseAdd("application/fhir+xml");
        var xml = await Fhir<Patient>(await w.Admin.SendAsync(xmlRequest, Ct), HttpStatusCode.OK);
        Assert.Equal(patient.BirthDate, xml.BirthDate);

        var byName = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?name=zoe", Ct), HttpStatusCode.OK);
        Assert.Equal(w.PatientId, byName.Entry.Single().Resource!.Id);
        var byBirth = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?birthdate=lt1978", Ct), HttpStatusCode.OK);
        Assert.Equal(w.OtherPatientId, byBirth.Entry.Single().Resource!.Id);
        var byMrn = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?identifier=MRN-2", Ct), HttpStatusCode.OK);
        Assert.Equal(w.OtherPatientId, byMrn.Entry.Single().Resource!.Id);

        var first = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?_count=1", Ct), HttpStatusCode.OK);
        Assert.Equal(2, first.Total);
        var next = first.Link.Single(l => l.Relation == "next").Url!;
        var second = await Fhir<Bundle>(await w.Admin.GetAsync(next, Ct), HttpStatusCode.OK);
        Assert.NotEqual(first.Entry.Single().Resource!.Id, second.Entry.Single().Resource!.Id);
        Assert.DoesNotContain(second.Link, l => l.Relation == "next");
    }

    [Fact]
    public async System.Threading.Tasks.Task Errors_are_operation_outcomes_with_the_right_status()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        var unauthenticated = await Fhir<OperationOutcome>(await w.Node.Http.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.Unauthorized);
        Assert.Equal(OperationOutcome.IssueType.Login, unauthenticated.Issue.Single().Code);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Patient/pt-nosuchpatient", Ct), HttpStatusCode.NotFound);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Spaceship/1", Ct), HttpStatusCode.NotFound);
        var badParameter = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Patient?colour=blue", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("colour", badParameter.Issue.Single().Expression.Single());
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Patient?birthdate=yesterday", Ct), HttpStatusCode.BadRequest);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Patient?_count=0", Ct), HttpStatusCode.BadRequest);
        // A doctor who does not attend the patient: refused, and the refusal is in the patient's access history.
        var refused = await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, refused.Issue.First().Code);
        var none = await Fhir<Bundle>(await w.Doctor.GetAsync("/fhir/R4/Patient", Ct), HttpStatusCode.OK);
        Assert.Empty(none.Entry);
    }
}
