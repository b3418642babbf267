using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Security;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Emergencies;

/// <summary>
/// Finding patients by name and date of birth through the custodian's blind index, and area tags narrowing an emergency:
/// General Hospital registers two patients who share a name and date of birth (tagged north-campus and south-campus) and a
/// third; its doctor finds both twins (spacing and case do not matter) and, after the third's name changes, finds them by the
/// new name only; General's node restores an index that is out of date on its own. An earthquake at north-campus admits Red
/// Cross: its medic, at Red Cross's node, finds only the north twin by name and date of birth, breaks the glass for them, and
/// is refused (and the attempt recorded) for the south twin; only the north twin's keys are wrapped for Red Cross.
/// </summary>
public sealed class PatientLookupNetworkTests : InProcessNodes
{
    private const string Ada = "Ada Lovelace";

    [Fact]
    public async Task Patients_are_found_by_name_and_date_of_birth_at_their_organisation_and_through_an_emergency_that_covers_only_its_area()
    {
        var layout = new ClusterLayout(1, Ports.FreeClusterBlock());
        NetworkInitializer.Init(Dir.Combine("general"), "General Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var general = await StartAsync(Dir.Combine("general", ClusterLayout.FolderOf(1)));
        using var admin = await InProcessNode.LoginAsync(general, "admin", NodeFixture.Password, Ct);

        var bad = await Problem(await admin.PostAsJsonAsync("/api/v1/patients", Patient("GH-0", Ada, "1985-12-10", "North Campus"), Ct), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("area", out _));
        var north = (await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", Patient("GH-1", Ada, "1985-12-10", "north-campus"), Ct))).Id;
        var south = (await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", Patient("GH-2", "  ada   LOVELACE ", "1985-12-10", "south-campus"), Ct))).Id;
        var renamed = (await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", Patient("GH-3", "Charles Babbage", "1991-12-26", null), Ct))).Id;
        Assert.Equal("north-campus", (await admin.GetFromJsonAsync<PatientResponse>($"/api/v1/patients/{north}", Ct))!.Area);

        // General's own doctor finds both patients who share the name and date of birth, and none by a near miss.
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-gh", name = "Gus House", specialty = "Medicine", department = "ER", licenceNumber = "GH-L1" }, Ct));
        using var gus = await FirstLoginAsync(general, "dr-gh", doctor.OneTimePassword!);
        var twins = await Read<PatientMatch>(await gus.GetAsync(Find("general-hospital", "ADA lovelace", "1985-12-10"), Ct));
        Assert.Equal([.. new[] { north, south }.Order(StringComparer.Ordinal)], twins.PatientIds);
        Assert.Null(twins.PatientId);
        await Problem(await gus.GetAsync(Find("general-hospital", "Ada Lovelace", "1985-12-11"), Ct), HttpStatusCode.NotFound);
        Assert.Equal(renamed, (await Read<PatientMatch>(await gus.GetAsync("/api/v1/emergencies/patients?mrn=GH-3&organisationId=general-hospital", Ct))).PatientId);
        foreach (var (query, field) in new[]
        {
            ("organisationId=general-hospital", "mrn"),
            ("organisationId=general-hospital&name=Ada%20Lovelace", "dateOfBirth"),
            ("organisationId=general-hospital&dateOfBirth=1985-12-10", "name"),
            ("organisationId=general-hospital&name=Ada&dateOfBirth=10.12.1815", "dateOfBirth"),
            ("organisationId=general-hospital&mrn=GH-1&name=Ada%20Lovelace&dateOfBirth=1985-12-10", "mrn"),
        })
        {
            var problem = await Problem(await gus.GetAsync("/api/v1/emergencies/patients?" + query, Ct), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), query);
        }

        // The third patient's name changes: the index moves with it.
        using (var changed = await admin.SendAsync(Edit($"/api/v1/patients/{renamed}", Patient("GH-3", "Charles Xavier Babbage", "1991-12-26", null), 1), Ct))
        {
            Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync(Ct));
        }
        await Problem(await gus.GetAsync(Find("general-hospital", "Charles Babbage", "1991-12-26"), Ct), HttpStatusCode.NotFound);
        Assert.Equal(renamed, (await Read<PatientMatch>(await gus.GetAsync(Find("general-hospital", "charles xavier babbage", "1991-12-26"), Ct))).PatientId);
        var mrnChange = await Problem(await admin.SendAsync(Edit($"/api/v1/patients/{renamed}", Patient("GH-9", "Charles Babbage", "1991-12-26", null), 2), Ct), HttpStatusCode.BadRequest);
        Assert.True(mrnChange.GetProperty("errors").TryGetProperty("mrn", out _));

        // An index out of date (as for a patient registered before the index existed) is put right by General's node on its own.
        var keys = general.Services.GetRequiredService<OrganisationKeys>();
        var wrong = await Node(general).SubmitAsNodeAsync(new IndexPatientPayload(renamed, keys.NameDobIndex("Someone Else", new DateOnly(2000, 1, 1)), null), Ct);
        Assert.Equal(Core.Ledger.TxVerdict.Ok, wrong.Receipt.Verdict);
        await InProcessNode.WaitAsync("General's node restores the patient's name index", () =>
            PatientIndexState.Get(new NodeState(Node(general)), renamed)?.NameIndex == keys.NameDobIndex("Charles Xavier Babbage", new DateOnly(1991, 12, 26)), Ct);
        Assert.Empty(general.Services.GetRequiredService<PatientIndexer>().Stale());

        // An earthquake at north-campus admits Red Cross (joining with the declaration).
        var redCrossFolder = Dir.Combine("red-cross");
        var made = JoinRequestMaker.Make(redCrossFolder, "Red Cross", "rescuer", $"http://127.0.0.1:{Ports.Free()}", contact: "ops@redcross.example",
            adminPassword: NodeFixture.ChosenPassword, argon: Argon2Parameters.TestOnly);
        var joining = NodeJoiner.JoinAsync(redCrossFolder, null, layout.PeerAddress(1), null, "http://127.0.0.1:0", Ct, waitForAdmission: TimeSpan.FromMinutes(2));
        var badArea = await Problem(await admin.PostAsJsonAsync("/api/v1/emergencies", new
        {
            title = "Earthquake",
            area = "North district",
            scope = new[] { "general-hospital" },
            newRescuers = new[] { made.Request },
            endsAt = DateTimeOffset.UtcNow.AddHours(48),
        }, Ct), HttpStatusCode.BadRequest);
        Assert.True(badArea.GetProperty("errors").TryGetProperty("area", out _));
        var proposal = await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/emergencies", new
        {
            id = "quake",
            title = "Earthquake",
            area = "north-campus",
            scope = new[] { "general-hospital" },
            newRescuers = new[] { made.Request },
            endsAt = DateTimeOffset.UtcNow.AddHours(48),
        }, Ct));
        Assert.Equal("executed", proposal.Status);
        await joining.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var redCross = await StartAsync(redCrossFolder);
        await InProcessNode.WaitAsync("Red Cross's node syncs and holds General's lookup key and the north patient's key", () =>
            Node(redCross).Tip.Height >= Node(general).Tip.Height
            && Node(redCross).GetState(EmergencyKey.LookupKey("quake", "red-cross", "general-hospital")) is not null
            && Node(redCross).ScanState(EmergencyKey.Prefix("quake", "red-cross", north)).Count == 1, Ct);
        Assert.Empty(Node(general).ScanState(EmergencyKey.Prefix("quake", "red-cross", south))); // outside the area: never wrapped
        Assert.Empty(Node(general).ScanState(EmergencyKey.Prefix("quake", "red-cross", renamed))); // untagged

        using var redCrossAdmin = await InProcessNode.LoginAsync(redCross, made.AdminUser, NodeFixture.ChosenPassword, Ct);
        var rescuer = await Read<RescuerResponse>(await redCrossAdmin.PostAsJsonAsync("/api/v1/emergencies/rescuers", new { userId = "medic-1" }, Ct));
        using var medic = await FirstLoginAsync(redCross, "medic-1", rescuer.OneTimePassword);

        // Through the emergency, the medic finds only the patient it covers, by name and date of birth.
        var found = await Read<PatientMatch>(await medic.GetAsync(Find("general-hospital", "ada lovelace", "1985-12-10"), Ct));
        Assert.Equal([north], found.PatientIds);
        Assert.Equal(north, found.PatientId);
        await Problem(await medic.GetAsync(Find("general-hospital", "Charles Xavier Babbage", "1991-12-26"), Ct), HttpStatusCode.NotFound); // untagged
        var access = await Read<BreakGlassResponse>(await medic.PostAsJsonAsync($"/api/v1/patients/{north}/break-glass",
            new { emergencyId = "quake", reason = "unconscious", justification = "Found unconscious in the north campus car park" }, Ct));
        Assert.True(access.Active);
        var summary = await Read<EmergencySummary>(await medic.GetAsync($"/api/v1/patients/{north}/emergency-summary", Ct));
        Assert.Equal((Ada, "O-"), (summary.FullName, summary.BloodGroup));

        // The south twin is outside the area: refused, recorded as a refused attempt at Red Cross's node, nothing written.
        var height = Node(general).Tip.Height;
        var refused = await Problem(await medic.PostAsJsonAsync($"/api/v1/patients/{south}/break-glass",
            new { emergencyId = "quake", reason = "unconscious", justification = "Found unconscious at the south campus gate" }, Ct), HttpStatusCode.Forbidden);
        Assert.Contains("outside the area 'north-campus'", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(Node(redCross).ScanState(BreakGlassState.PatientPrefix(south)));
        await redCross.Services.GetRequiredService<HealthLedger.Node.Records.DisclosureRecorder>().FlushAsync(Ct);
        await InProcessNode.WaitAsync("the refused attempt is recorded for the south twin", () =>
            Node(general).ScanState($"disclosure/{south}/").Select(kv => DisclosureEvent.TryDecode(kv.Value))
                .Any(d => d is { Allowed: false, ActorId: "medic-1" } && d.Purpose.StartsWith("break-glass refused", StringComparison.Ordinal)), Ct);
        Assert.True(Node(general).Tip.Height > height);
    }

    /// <summary>A PUT of <paramref name="body"/> as an edit of <paramref name="version"/> (If-Match with its entity tag).</summary>
    private static HttpRequestMessage Edit(string path, object body, int version) => new(HttpMethod.Put, path)
    {
        Content = System.Net.Http.Json.JsonContent.Create(body),
        Headers = { IfMatch = { new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\"") } },
    };

    private static object Patient(string mrn, string name, string dateOfBirth, string? area) => new
    {
        mrn,
        fullName = name,
        dateOfBirth,
        gender = "female",
        bloodGroup = "O-",
        allergies = "Penicillin",
        conditions = new[] { "Asthma" },
        emergencyContact = "Ben +44 20 7946 0000",
        area,
    };

    private static string Find(string organisation, string name, string dateOfBirth) =>
        $"/api/v1/emergencies/patients?organisationId={organisation}&name={Uri.EscapeDataString(name)}&dateOfBirth={dateOfBirth}";

    private sealed class NodeState(HealthLedger.Node.Ledger.LedgerNode node) : Core.State.IStateReader
    {
        public bool TryGet(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? value)
        {
            value = node.GetState(key);
            return value is not null;
        }
    }
}
