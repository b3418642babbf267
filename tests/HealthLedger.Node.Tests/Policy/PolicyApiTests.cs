using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Core.Model;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Policy;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Policy;

/// <summary>
/// The network policy through the API: set at init, read by anyone logged in, changed by the organisation's admin with a
/// ConfigurePolicy transaction; the care periods it sets are applied at block time to later discharges.
/// </summary>
public class PolicyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ulong> HeightAsync(NodeFixture node) => (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;

    [Fact]
    public async Task A_one_day_grace_set_at_init_ends_access_a_day_after_discharge_and_the_admins_change_to_three_days_applies_to_later_discharges()
    {
        var clock = new OffsetClock();
        await using var node = await NodeFixture.StartAsync(clock: clock, policy: new NetworkPolicy(1, 30));
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-a", name = "Ada A", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-P1", fullName = "Pam Policy", dateOfBirth = "1980-01-01", gender = "female" }, Ct));
        await node.FirstLoginAsync("dr-a", a.OneTimePassword!);
        var patient = await node.FirstLoginAsync(p.Id, p.OneTimePassword!);

        var policy = await patient.GetFromJsonAsync<PolicyResponse>("/api/v1/policy", Ct);
        Assert.Equal((1, "fixture-hospital", 1, 30), (policy!.Version, policy.OrganisationId, policy.CareAfterDischargeDays, policy.CareAfterVisitDays));
        Assert.Equal(0UL, policy.Proof!.Height); // the genesis block

        async Task Stay(string admitted, string discharged)
        {
            admin = await node.LoginAsync("admin", NodeFixture.Password); // sessions do not last days
            await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "admission", occurredAt = admitted, doctorId = "dr-a", ward = "W1", bed = "1", reason = "Fall" }, Ct));
            await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "discharge", occurredAt = discharged, summary = "Home." }, Ct));
        }

        async Task<HttpStatusCode> DoctorReadsAsync()
        {
            var doctor = await node.LoginAsync("dr-a", NodeFixture.ChosenPassword); // sessions do not last days
            using var response = await doctor.GetAsync($"/api/v1/patients/{p.Id}/report", Ct);
            return response.StatusCode;
        }

        // 1 day after the discharge's block, dr-a's access ends.
        await Stay("2026-01-02T10:00", "2026-01-03T10:00");
        var care = Assert.Single((await patient.GetFromJsonAsync<List<CareResponse>>($"/api/v1/patients/{p.Id}/care-relationships", Ct))!);
        Assert.Equal(TimeSpan.FromDays(1), care.Until - care.Proof.BlockTime);
        clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(HttpStatusCode.OK, await DoctorReadsAsync());
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Forbidden, await DoctorReadsAsync());

        // The admin makes it 3 days: it applies to the next discharge.
        admin = await node.LoginAsync("admin", NodeFixture.Password);
        patient = await node.LoginAsync(p.Id, NodeFixture.ChosenPassword);
        var changed = await Read<PolicyResponse>(await admin.PutAsJsonAsync("/api/v1/policy", new { version = 1, careAfterDischargeDays = 3, careAfterVisitDays = 30 }, Ct));
        Assert.Equal((2, 3, 30), (changed.Version, changed.CareAfterDischargeDays, changed.CareAfterVisitDays));
        Assert.Equal(changed, await patient.GetFromJsonAsync<PolicyResponse>("/api/v1/policy", Ct));
        await Stay("2026-01-10T10:00", "2026-01-11T10:00");
        care = Assert.Single((await patient.GetFromJsonAsync<List<CareResponse>>($"/api/v1/patients/{p.Id}/care-relationships", Ct))!);
        Assert.Equal(TimeSpan.FromDays(3), care.Until - care.Proof.BlockTime);
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(HttpStatusCode.OK, await DoctorReadsAsync());
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Forbidden, await DoctorReadsAsync());
    }

    [Fact]
    public async Task Only_the_organisations_admin_changes_the_policy_and_bad_values_get_field_errors_with_nothing_written()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var d = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-p", name = "Pat Doc", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var doctor = await node.FirstLoginAsync("dr-p", d.OneTimePassword!);
        var before = await HeightAsync(node);
        var good = new { careAfterDischargeDays = 1, careAfterVisitDays = 1 };

        await Problem(await doctor.PutAsJsonAsync("/api/v1/policy", good, Ct), HttpStatusCode.Forbidden);
        await Problem(await node.Http.GetAsync("/api/v1/policy", Ct), HttpStatusCode.Unauthorized);

        var range = await Problem(await admin.PutAsJsonAsync("/api/v1/policy", new { careAfterDischargeDays = 366, careAfterVisitDays = 0 }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("0 to 365", range.GetProperty("errors").GetProperty("careAfterDischargeDays")[0].GetString());
        Assert.Contains("1 to 365", range.GetProperty("errors").GetProperty("careAfterVisitDays")[0].GetString());
        var missing = await Problem(await admin.PutAsJsonAsync("/api/v1/policy", new { careAfterVisitDays = 3 }, Ct), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("careAfterDischargeDays", out _));
        foreach (var body in new[] { "{\"careAfterDischargeDays\": \"ten\", \"careAfterVisitDays\": 3}", "{\"careAfterDischargeDays\": 1e30, \"careAfterVisitDays\": 3}", "{\"careAfterDischargeDays\": -1, \"careAfterVisitDays\": 3}", "{\"careAfterDischargeDays\": \"7\", \"careAfterVisitDays\": 3}" })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            var typed = await Problem(await admin.PutAsync("/api/v1/policy", content, Ct), HttpStatusCode.BadRequest);
            Assert.True(typed.GetProperty("errors").EnumerateObject().Any(e => e.Name.Contains("careAfterDischargeDays", StringComparison.OrdinalIgnoreCase)), typed.ToString());
        }
        var stale = await Problem(await admin.PutAsJsonAsync("/api/v1/policy", new { version = 7, careAfterDischargeDays = 1, careAfterVisitDays = 1 }, Ct), HttpStatusCode.Conflict);
        Assert.True(stale.GetProperty("errors").TryGetProperty("version", out _));
        Assert.Equal(before, await HeightAsync(node));

        var policy = (await admin.GetFromJsonAsync<PolicyResponse>("/api/v1/policy", Ct))!;
        Assert.Equal((1, NetworkPolicy.Default.CareAfterDischargeDays, NetworkPolicy.Default.CareAfterVisitDays), (policy.Version, policy.CareAfterDischargeDays, policy.CareAfterVisitDays));
    }
}
