using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Audit;

/// <summary>The patient's access history through the API of a real node: grouped, paged, filtered, consent changes included.</summary>
public class AccessHistoryApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static string[] Fields(JsonElement problem) => [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name)];

    [Fact]
    public async Task The_history_groups_reads_and_consent_changes_by_person_and_day_pages_them_and_refuses_bad_filters()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-a", name = "Ada Ames", specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
        var b = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-b", name = "Ben Bell", specialty = "Cardiology", department = "Heart", licenceNumber = "L2" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-41", fullName = "Pat History", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-a", notes = "Seen." }, Ct)).EnsureSuccessStatusCode();
        using var ada = await node.FirstLoginAsync("dr-a", a.OneTimePassword!);
        using var ben = await node.FirstLoginAsync("dr-b", b.OneTimePassword!);
        using var patient = await node.FirstLoginAsync(p.Id, p.OneTimePassword!);

        // Ada (attending) reads 30 times; Ben is refused twice, then granted the reports, reads them, and is revoked.
        for (var i = 0; i < 30; i++) (await ada.GetAsync($"/api/v1/patients/{p.Id}", Ct)).EnsureSuccessStatusCode();
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.Forbidden, (await ben.GetAsync($"/api/v1/patients/{p.Id}/reports", Ct)).StatusCode);
        var grant = await Read<WriteResponse>(await patient.PostAsJsonAsync($"/api/v1/patients/{p.Id}/grants", new { granteeKind = "doctor", granteeId = "dr-b", categories = new[] { "reports" } }, Ct));
        (await ben.GetAsync($"/api/v1/patients/{p.Id}/reports", Ct)).EnsureSuccessStatusCode();
        using (var revoke = await patient.DeleteAsync($"/api/v1/patients/{p.Id}/grants/{grant.Id}", Ct)) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await ((DisclosureRecorder)node.App.Services.GetService(typeof(DisclosureRecorder))!).FlushAsync(Ct);

        var all = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history", Ct));
        Assert.Equal((1, 20, 1), (all.Page, all.PageSize, all.Pages));
        var adaDay = Assert.Single(all.Groups, g => g.PersonId == "dr-a");
        Assert.Equal(("Ada Ames", "doctor", 30), (adaDay.PersonName, adaDay.PersonRole, adaDay.Count));
        Assert.False(string.IsNullOrEmpty(adaDay.OrganisationName));
        Assert.Equal(["read"], adaDay.Kinds);
        Assert.Equal(["demographics"], adaDay.Categories);
        Assert.Equal(30, adaDay.Events.Count);
        Assert.True(adaDay.First <= adaDay.Last);
        var benDay = Assert.Single(all.Groups, g => g.PersonId == "dr-b");
        Assert.Equal("Ben Bell", benDay.PersonName);
        Assert.Equal(["read", "refused", "grant", "revocation"], benDay.Kinds);
        Assert.Equal(5, benDay.Count);
        Assert.Equal(2, benDay.Refused);
        var granted = Assert.Single(benDay.Events, e => e.Kind == "grant");
        Assert.Equal(("access granted", p.Id, "reports"), (granted.Label, granted.ByUserId, Assert.Single(granted.Categories)));
        Assert.NotNull(granted.Height);
        Assert.Null(granted.ExpiresAt); // granted without an end
        Assert.Equal("access revoked", Assert.Single(benDay.Events, e => e.Kind == "revocation").Label);
        Assert.Equal(all.Groups.Sum(g => g.Count), all.TotalEvents);

        // Filters narrow: by part of a name (any case), by event kind, by category; an organisation by id or by name.
        var byBen = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?who=bEN", Ct));
        Assert.Equal("dr-b", Assert.Single(byBen.Groups).PersonId);
        var grants = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?kind=grant", Ct));
        Assert.Equal(1, grants.TotalEvents);
        var reports = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?category=reports&who=dr-b&kind=refused", Ct));
        Assert.Equal(2, reports.TotalEvents);
        foreach (var org in new[] { adaDay.OrganisationId!, adaDay.OrganisationName! })
        {
            var ofOrg = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?organisation={Uri.EscapeDataString(org)}", Ct));
            Assert.Contains(ofOrg.Groups, g => g.PersonId == "dr-a");
        }
        var today = DateTimeOffset.UtcNow;
        var none = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?to={today.AddDays(-3):yyyy-MM-dd}", Ct));
        Assert.Equal((0, 0, 0), (none.TotalEvents, none.TotalGroups, none.Pages));

        // Pages: one group a page.
        var first = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?pageSize=1", Ct));
        var second = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?pageSize=1&page=2", Ct));
        Assert.Equal((all.TotalGroups, all.TotalGroups), (first.Pages, first.TotalGroups));
        Assert.NotEqual(Assert.Single(first.Groups).PersonId, Assert.Single(second.Groups).PersonId);

        // Bad values are named, never ignored.
        foreach (var (query, field) in new[]
        {
            ("category=secrets", "category"), ("kind=peek", "kind"), ("from=2026-13-01", "from"), ("from=2026-02-02&to=2026-02-01", "to"),
            ("page=0", "page"), ("page=99", "page"), ("pageSize=101", "pageSize"), ("organisation=Nowhere%20Clinic", "organisation"), ($"who={new string('x', 129)}", "who"),
        })
        {
            var problem = await Problem(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?{query}", Ct), HttpStatusCode.BadRequest);
            Assert.Equal([field], Fields(problem));
        }
        Assert.Equal(["kind"], Fields(await Problem(await patient.GetAsync($"/api/v1/patients/{p.Id}/disclosures?kind=peek", Ct), HttpStatusCode.BadRequest)));

        // The disclosure list keeps its shape and fields and adds the reader's name, organisation, kind and category; it filters too.
        var benReads = await Read<List<DisclosureResponse>>(await patient.GetAsync($"/api/v1/patients/{p.Id}/disclosures?who=dr-b", Ct));
        Assert.Equal(3, benReads.Count);
        Assert.All(benReads, d => Assert.Equal(("dr-b", "Ben Bell", "reports", p.Id), (d.ActorId, d.ActorName, d.Category, d.PatientId)));
        Assert.Equal(2, benReads.Count(d => (d.Kind, d.Outcome) == ("refused", "denied")));
        var everything = await Read<List<DisclosureResponse>>(await patient.GetAsync($"/api/v1/patients/{p.Id}/disclosures", Ct));
        Assert.Equal(all.TotalEvents - 2, everything.Count); // the grant and the revocation are consent changes, not disclosures

        // Only the patient and their organisation's admins see it (the admin's read is itself recorded).
        await Problem(await ben.GetAsync($"/api/v1/patients/{p.Id}/access-history", Ct), HttpStatusCode.Forbidden);
        await Problem(await ben.GetAsync($"/api/v1/patients/{p.Id}/access-history?kind=peek", Ct), HttpStatusCode.Forbidden);
        var asAdmin = await Read<AccessHistoryPage>(await admin.GetAsync($"/api/v1/patients/{p.Id}/access-history?who=dr-a", Ct));
        Assert.Equal(30, Assert.Single(asAdmin.Groups).Count);

        // A grant's end is a value for programs (an instant), beside the resource's text in the hospital's format for people:
        // a client had to parse "until 12/31/2030 …" in whatever culture the node was set to.
        var ends = new DateTimeOffset(2030, 12, 31, 23, 0, 0, TimeSpan.Zero);
        using (var timed = await patient.PostAsJsonAsync($"/api/v1/patients/{p.Id}/grants",
            new { granteeKind = "doctor", granteeId = "dr-b", categories = new[] { "laboratory" }, expiresAt = ends }, Ct))
        {
            Assert.True(timed.IsSuccessStatusCode, await timed.Content.ReadAsStringAsync(Ct));
        }
        var timedGrant = await Read<AccessHistoryPage>(await patient.GetAsync($"/api/v1/patients/{p.Id}/access-history?kind=grant&category=laboratory", Ct));
        Assert.Equal(ends, Assert.Single(Assert.Single(timedGrant.Groups).Events).ExpiresAt);
    }
}
