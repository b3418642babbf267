using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Issue 14, item 5: the public emergency directory answers without login — per organisation its switchboard and its doctors
/// on call by specialty, never a doctor's phone, e-mail or licence number — and is rate-limited per client address; patients
/// no longer receive doctors' private details from the doctor endpoints, while staff still do.
/// </summary>
public class PublicOnCallApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Doctor(string id, string name, string specialty, bool onCall) =>
        new { doctorId = id, name, specialty, department = "Emergency", licenceNumber = "LIC-" + id, phone = "+44 20 5555 " + id.Length, email = id + "@private.example", onCall };

    private static async Task<T> Created<T>(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
            return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
        }
    }

    [Fact]
    public async Task Anonymous_visitors_get_the_on_call_doctors_by_organisation_and_specialty_without_private_details()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        // With nobody on call the organisation is still listed, so a visitor finds its switchboard.
        var before = Assert.Single((await node.Http.GetFromJsonAsync<List<PublicOnCallOrganisation>>("/api/v1/public/on-call", Ct))!);
        Assert.Equal("fixture-hospital", before.OrganisationId);
        Assert.Empty(before.Specialties);
        await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", Doctor("dr-card", "Carla Heart", "Cardiology", true), Ct));
        await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", Doctor("dr-neuro", "Nils Brain", "Neurology", true), Ct));
        await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", Doctor("dr-off", "Otto Off", "Cardiology", false), Ct));

        using var all = await node.Http.GetAsync("/api/v1/public/on-call", Ct);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        var body = await all.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("LIC-", body, StringComparison.Ordinal);
        Assert.DoesNotContain("private.example", body, StringComparison.Ordinal);
        Assert.DoesNotContain("+44 20 5555", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Otto Off", body, StringComparison.Ordinal);
        var organisations = JsonSerializer.Deserialize<List<PublicOnCallOrganisation>>(body, JsonSerializerOptions.Web)!;
        var fixture = Assert.Single(organisations);
        Assert.Equal(("fixture-hospital", "Fixture Hospital", "hospital"), (fixture.OrganisationId, fixture.Name, fixture.Type));
        Assert.Equal(["Cardiology", "Neurology"], fixture.Specialties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Carla Heart", Assert.Single(fixture.Specialties["Cardiology"]).Name);

        var neurology = (await node.Http.GetFromJsonAsync<List<PublicOnCallOrganisation>>("/api/v1/public/on-call?specialty=neurology", Ct))!;
        Assert.Equal(["Neurology"], Assert.Single(neurology).Specialties.Keys);
        Assert.Empty((await node.Http.GetFromJsonAsync<List<PublicOnCallOrganisation>>("/api/v1/public/on-call?specialty=Dermatology", Ct))!);

        // The page answers without login too; the staff directory still asks for one.
        using var page = await node.Http.GetAsync("/on-call", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Carla Heart", html, StringComparison.Ordinal);
        Assert.DoesNotContain("LIC-", html, StringComparison.Ordinal);
        using var staff = await node.Http.GetAsync("/api/v1/doctors", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, staff.StatusCode);
    }

    [Fact]
    public async Task Patients_get_doctors_without_licence_number_phone_or_email_and_staff_get_them()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", Doctor("dr-card", "Carla Heart", "Cardiology", true), Ct));
        var patient = await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-OC", fullName = "Pat Ient", dateOfBirth = "1980-02-29", gender = "female", conditions = new[] { "Asthma" } }, Ct));
        using var client = await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!);

        foreach (var path in new[] { "/api/v1/doctors", "/api/v1/doctors/dr-card", "/api/v1/doctors/on-call" })
        {
            using var response = await client.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Contains("Carla Heart", body, StringComparison.Ordinal);
            Assert.DoesNotContain("LIC-dr-card", body, StringComparison.Ordinal);
            Assert.DoesNotContain("private.example", body, StringComparison.Ordinal);
            Assert.DoesNotContain("+44 20 5555", body, StringComparison.Ordinal);
        }
        var seenByPatient = (await client.GetFromJsonAsync<DoctorResponse>("/api/v1/doctors/dr-card", Ct))!;
        Assert.Equal((null, null, null), (seenByPatient.LicenceNumber, seenByPatient.Phone, seenByPatient.Email));
        var seenByAdmin = (await admin.GetFromJsonAsync<DoctorResponse>("/api/v1/doctors/dr-card", Ct))!;
        Assert.Equal(("LIC-dr-card", "dr-card@private.example"), (seenByAdmin.LicenceNumber, seenByAdmin.Email));
    }

    [Fact]
    public async Task The_public_directory_is_rate_limited_per_client_address()
    {
        await using var node = await NodeFixture.StartAsync();
        var answered = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i <= PublicDirectoryLimits.PermitsPerWindow && refused is null; i++)
        {
            var response = await node.Http.GetAsync("/api/v1/public/on-call", Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                answered++;
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }
        Assert.Equal(PublicDirectoryLimits.PermitsPerWindow, answered);
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter is not null);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
    }
}
