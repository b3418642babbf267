using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Testing;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Emergencies;

/// <summary>
/// The declaration rules at the API, with four hospitals' nodes in the test process: a start more than an hour back and a scope
/// organisation named as rescuer are field errors; a second end or extend proposal while one is open is a 409 naming it; the
/// per-declaration access report is for the admins of the scope's and the rescuers' organisations (another member's admin: 403).
/// Nothing refused is proposed.
/// </summary>
public sealed class DeclarationRulesTests : InProcessNodes
{
    [Fact]
    public async Task Bad_declarations_and_a_second_open_change_are_refused_and_only_involved_admins_read_the_report()
    {
        var init = FoundHospitals("General Hospital", "St Mary Hospital", "City Hospital", "Park Hospital");
        var apps = new List<Microsoft.AspNetCore.Builder.WebApplication>();
        foreach (var organisation in init.Organisations) apps.Add(await StartAsync(organisation.Folder));
        var ids = init.Organisations.Select(o => o.Id).ToList();
        using var general = await InProcessNode.LoginAsync(apps[0], init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var stMary = await InProcessNode.LoginAsync(apps[1], init.Organisations[1].AdminUser, NodeFixture.Password, Ct);
        using var city = await InProcessNode.LoginAsync(apps[2], init.Organisations[2].AdminUser, NodeFixture.Password, Ct);
        var endsAt = DateTimeOffset.UtcNow.AddHours(24);

        var backdated = await Problem(await general.PostAsJsonAsync("/api/v1/emergencies",
            new { id = "storm", title = "Storm", scope = new[] { ids[0] }, rescuers = new[] { ids[1] }, startsAt = DateTimeOffset.UtcNow.AddHours(-2), endsAt }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("at most 1 hour before", backdated.GetProperty("errors").GetProperty("startsAt")[0].GetString(), StringComparison.Ordinal);
        var both = await Problem(await general.PostAsJsonAsync("/api/v1/emergencies",
            new { id = "storm", title = "Storm", scope = new[] { ids[0] }, rescuers = new[] { ids[0], ids[1] }, endsAt }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("is in the scope", both.GetProperty("errors").GetProperty("rescuers")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(Node(apps[0]).ScanState("proposal/declare-"));

        // General declares for its patients with St Mary as rescuer; St Mary approves: 2 of 4.
        var declared = await Read<ProposalResponse>(await general.PostAsJsonAsync("/api/v1/emergencies",
            new { id = "storm", title = "Storm", scope = new[] { ids[0] }, rescuers = new[] { ids[1] }, endsAt }, Ct));
        await InProcessNode.WaitAsync("St Mary's node has the proposal", () => Node(apps[1]).GetState("proposal/" + declared.Id) is not null, Ct);
        Assert.Equal("executed", (await Read<ProposalResponse>(await stMary.PostAsJsonAsync($"/api/v1/consortium/proposals/{declared.Id}/votes", new { decision = "approve" }, Ct))).Status);

        // One open end or extend proposal at a time (once General's node has the block that declared it).
        await InProcessNode.WaitAsync("General's node has the emergency", () => Node(apps[0]).GetState("emergency/storm") is not null, Ct);
        var end = await Read<ProposalResponse>(await general.PostAsJsonAsync("/api/v1/emergencies/storm/end", new { }, Ct));
        Assert.Equal("open", end.Status);
        await InProcessNode.WaitAsync("St Mary's node has the end proposal", () => Node(apps[1]).GetState("proposal/" + end.Id) is not null, Ct);
        var second = await Problem(await stMary.PostAsJsonAsync("/api/v1/emergencies/storm/extend", new { endsAt = endsAt.AddHours(24) }, Ct), HttpStatusCode.Conflict);
        Assert.Contains($"Proposal '{end.Id}' to end emergency 'storm' is open", second.GetProperty("errors").GetProperty("emergencyId")[0].GetString(), StringComparison.Ordinal);

        // The report: the scope's and the rescuer's admins, not another member's.
        await InProcessNode.WaitAsync("City's node has the emergency", () => Node(apps[2]).GetState("emergency/storm") is not null, Ct);
        Assert.Equal(HttpStatusCode.OK, (await general.GetAsync("/api/v1/emergencies/storm/accesses", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stMary.GetAsync("/api/v1/emergencies/storm/accesses?format=csv", Ct)).StatusCode);
        var outsider = await Problem(await city.GetAsync("/api/v1/emergencies/storm/accesses", Ct), HttpStatusCode.Forbidden);
        Assert.Contains("neither in the scope", outsider.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Problem(await city.GetAsync("/api/v1/emergencies/storm/accesses?format=csv", Ct), HttpStatusCode.Forbidden);
    }
}
