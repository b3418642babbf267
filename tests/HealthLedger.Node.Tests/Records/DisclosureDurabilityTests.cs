using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// Disclosures are durable from the moment of the read: stored in the node's ledger.disclosures.db before the data is served, on the
/// chain once after a stop, and never twice after a restart (the real-process kill and no-quorum cases are in
/// HealthLedger.Cli.Tests' DisclosureDurabilityTests).
/// </summary>
public class DisclosureDurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Makes every write of the node's disclosure store fail (a trigger in ledger.disclosures.db) while the connection lives.
    private static Microsoft.Data.Sqlite.SqliteConnection FailDisclosureStore(NodeFixture node)
    {
        var beside = Storage.PendingDisclosureFile.PathBeside(Path.Combine(node.DataPath, Storage.SqliteLedgerStore.FileName));
        var outside = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={beside};Pooling=False");
        outside.Open();
        using var command = outside.CreateCommand();
        command.CommandText = "CREATE TRIGGER fail BEFORE INSERT ON pending_disclosures BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
        command.ExecuteNonQuery();
        return outside;
    }

    [Fact]
    public async Task A_read_is_stored_before_it_is_answered_and_is_on_the_chain_once_after_a_stop_right_after_it()
    {
        using var folder = new TempDirectory();
        string patientId;
        List<Hash256> ids;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S1", fullName = "Sam Stop", dateOfBirth = "1970-01-01", gender = "male" }, Ct))
            {
                patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
            }
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            var earlier = ledger.ScanState($"disclosure/{patientId}/").Count;
            using (var read = await admin.GetAsync($"/api/v1/patients/{patientId}", Ct)) read.EnsureSuccessStatusCode();
            // Right after the answer the read is in the node's store (pending) or already on the chain: never only in memory.
            var pending = ledger.Store.ReadPendingDisclosures(int.MaxValue).Select(p => DisclosureEvent.TryDecode(p.Event)!);
            var recorded = ledger.ScanState($"disclosure/{patientId}/").Skip(earlier).Select(e => DisclosureEvent.TryDecode(e.Value)!);
            ids = pending.Concat(recorded).Where(e => e is { ActorId: "admin", Allowed: true } && e.PatientId == patientId).Select(e => e.Id).ToList();
            Assert.NotEmpty(ids);
        } // a graceful stop at once

        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            var recorded = ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!.Id).ToList();
            Assert.All(ids, id => Assert.Single(recorded, r => r == id));
            Assert.Equal(0, ledger.Store.CountPendingDisclosures());
            Assert.NotNull(ledger.GetState(StateKeys.DisclosureId(ids[0])));
        }
    }

    [Fact]
    public async Task A_disclosure_kept_from_an_earlier_run_is_recorded_at_start_and_not_again_when_its_copy_comes_back()
    {
        using var folder = new TempDirectory();
        string patientId;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S2", fullName = "Kim Kept", dateOfBirth = "1980-05-05", gender = "female" }, Ct);
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        // What a node killed before its batch was sent leaves behind: the event, in its store only.
        var kept = new DisclosureEvent(new Hash256(Enumerable.Repeat((byte)7, 32).ToArray()), "dr-gone", "doctor", patientId, "demographics", "treatment", true, 1_800_000_000_000);
        var path = Path.Combine(folder.Combine("data"), Storage.SqliteLedgerStore.FileName);
        using (var store = Storage.SqliteLedgerStore.Open(path, create: false)) store.SavePendingDisclosures([(kept.Id, kept.Encode())]);

        for (var run = 0; run < 2; run++)
        {
            await using var node = await NodeFixture.StartAsync(folder);
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            Assert.Equal(kept, Assert.Single(ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!), e => e.Id == kept.Id));
            Assert.Equal(0, ledger.Store.CountPendingDisclosures());
            // Then as if the node had stopped between that commit and forgetting its copy.
            if (run == 0) ledger.Store.SavePendingDisclosures([(kept.Id, kept.Encode())]);
        }
    }

    [Fact]
    public async Task Disclosures_an_older_node_left_pending_in_its_ledger_file_are_moved_to_their_own_file_and_recorded_once()
    {
        using var folder = new TempDirectory();
        string patientId;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S3", fullName = "Olga Older", dateOfBirth = "1960-02-02", gender = "female" }, Ct);
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        }
        // An older node's data folder: its pending events in ledger.db's own table, no file of their own beside it.
        var path = Path.Combine(folder.Combine("data"), Storage.SqliteLedgerStore.FileName);
        var beside = Storage.PendingDisclosureFile.PathBeside(path);
        foreach (var file in new[] { beside, beside + "-wal", beside + "-shm" }) File.Delete(file);
        var old = new[] { (byte)8, (byte)9 }.Select(b => new DisclosureEvent(new Hash256(Enumerable.Repeat(b, 32).ToArray()), "dr-old", "doctor", patientId,
            "demographics", "treatment", true, 1_800_000_000_000UL + b)).ToList();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            foreach (var e in old)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO pending_disclosures(id, event) VALUES ($id, $e)";
                insert.Parameters.AddWithValue("$id", e.Id.ToArray());
                insert.Parameters.AddWithValue("$e", e.Encode());
                insert.ExecuteNonQuery();
            }
        }

        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            var recorded = ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!).ToList();
            Assert.All(old, e => Assert.Equal(e, Assert.Single(recorded, r => r.Id == e.Id)));
            Assert.Equal(0, ledger.Store.CountPendingDisclosures());
            Assert.True(File.Exists(beside));
        }
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM pending_disclosures";
            Assert.Equal(0L, count.ExecuteScalar());
        }
    }

    [Fact]
    public async Task A_read_whose_disclosure_cannot_be_stored_is_refused_without_its_data_and_served_once_the_store_works()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        string patientId;
        using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S4", fullName = "Fran Failing", dateOfBirth = "1975-03-03", gender = "female" }, Ct))
        {
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        var beside = Storage.PendingDisclosureFile.PathBeside(Path.Combine(node.DataPath, Storage.SqliteLedgerStore.FileName));
        using var outside = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={beside};Pooling=False");
        outside.Open();
        void Sql(string sql)
        {
            using var command = outside.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        // The disclosures' file refuses every write: the read is refused, and nothing of the patient is sent.
        Sql("CREATE TRIGGER fail BEFORE INSERT ON pending_disclosures BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
        using (var refused = await admin.GetAsync($"/api/v1/patients/{patientId}", Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.DoesNotContain("Fran Failing", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.Equal(0, node.App.Services.GetRequiredService<DisclosureRecorder>().Pending);

        Sql("DROP TRIGGER fail");
        using (var served = await admin.GetAsync($"/api/v1/patients/{patientId}", Ct))
        {
            served.EnsureSuccessStatusCode();
            Assert.Contains("Fran Failing", await served.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        var pending = ledger.Store.ReadPendingDisclosures(int.MaxValue).Select(p => DisclosureEvent.TryDecode(p.Event)!);
        var recorded = ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!);
        Assert.Contains(pending.Concat(recorded), e => e is { ActorId: "admin", Allowed: true } && e.PatientId == patientId);
    }

    [Fact]
    public async Task A_read_whose_disclosure_cannot_be_stored_is_answered_503_with_an_explanation_and_no_data_on_every_interface()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        string patientId;
        using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S5", fullName = "Gwen Gated", dateOfBirth = "1971-04-04", gender = "female", address = "7 Quiet Lane" }, Ct))
        {
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        using var failing = FailDisclosureStore(node);

        // Each kind of answer that shows the patient: a JSON read and a list, FHIR read, search and $everything, the
        // whole-record PDF and the patient's page. Before, the failure surfaced while the answer was starting: Kestrel
        // aborted it and the client got an empty 500 with no content type (the error page could not be written either).
        (HttpClient Client, string Path, string ContentType)[] reads =
        [
            (admin, $"/api/v1/patients/{patientId}", "application/problem+json"),
            (admin, "/api/v1/patients?search=Gwen", "application/problem+json"),
            (admin, $"/fhir/R4/Patient/{patientId}", "application/fhir+json"),
            (admin, "/fhir/R4/Patient?name=Gwen", "application/fhir+json"),
            (admin, $"/fhir/R4/Patient/{patientId}/$everything", "application/fhir+json"),
            (admin, $"/api/v1/patients/{patientId}/record.pdf", "application/problem+json"),
            (browser, $"/patients/{patientId}", "text/html"),
        ];
        foreach (var (client, path, contentType) in reads)
        {
            using var refused = await client.GetAsync(path, Ct);
            var body = await refused.Content.ReadAsStringAsync(Ct);
            Assert.True(refused.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"{path}: {(int)refused.StatusCode}");
            Assert.Equal(contentType, refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.True(body.Contains("could not be recorded in the patient", StringComparison.Ordinal), $"{path}: {body}");
            Assert.DoesNotContain("Gwen", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Quiet Lane", body, StringComparison.Ordinal);
            Assert.DoesNotContain("MRN-S5", body, StringComparison.Ordinal);
            if (contentType == "application/fhir+json") Assert.Contains("\"resourceType\":\"OperationOutcome\"", body, StringComparison.Ordinal);
            if (contentType == "application/problem+json") Assert.Contains("\"status\":503", body, StringComparison.Ordinal);
        }
        // A read dressed as a peer's call (Content-Type application/grpc on the web port) is a read like any other: the peer
        // service is told apart by its path (PeerPortGate), not by a header the client chooses. It was an empty 500.
        foreach (var path in new[] { $"/api/v1/patients/{patientId}", $"/fhir/R4/Patient/{patientId}" })
        {
            using var dressed = new HttpRequestMessage(HttpMethod.Get, path) { Content = new ByteArrayContent([]) };
            dressed.Content.Headers.ContentType = new("application/grpc");
            using var refused = await admin.SendAsync(dressed, Ct);
            var body = await refused.Content.ReadAsStringAsync(Ct);
            Assert.True(refused.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"{path} as gRPC: {(int)refused.StatusCode} {body}");
            Assert.True(body.Contains("could not be recorded in the patient", StringComparison.Ordinal), $"{path}: {body}");
            Assert.DoesNotContain("Gwen", body, StringComparison.Ordinal);
        }
        Assert.Equal(0, node.App.Services.GetRequiredService<DisclosureRecorder>().Pending);
    }

    [Fact]
    public async Task A_bulk_export_started_by_a_request_waits_for_its_own_disclosures_and_keeps_no_data_when_they_cannot_be_stored()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        string patientId;
        using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S6", fullName = "Hal Hidden", dateOfBirth = "1972-05-05", gender = "male" }, Ct))
        {
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        await recorder.FlushAsync(Ct);
        using var failing = FailDisclosureStore(node);
        var session = node.App.Services.GetRequiredService<Security.AccountService>().Login("admin", NodeFixture.Password).Session!;
        var exports = node.App.Services.GetRequiredService<HealthLedger.Node.Fhir.Export.FhirBulkExports>();

        // As the kick-off request: the job starts inside the request's scope and runs on while the request is still open
        // (here: until the job ends). Before, the job inherited the request's scope: its reads were left for the request to
        // wait on, so the job kept the patient's data although the disclosure was never stored, and the kick-off got the 503.
        var scope = DisclosureRecorder.DeferDurability();
        var job = exports.Start(session, new HealthLedger.Node.Fhir.Export.BulkExportRequest("/fhir/R4/Patient/$export", SystemLevel: false, Types: null, Since: null)).Value!;
        await job.Finished;
        await scope.WaitAsync(close: true); // the request's own answer does not carry the job's reads
        Assert.Equal(HealthLedger.Node.Fhir.Export.BulkExportState.Failed, job.State);
        Assert.Empty(job.Output);
        Assert.Equal(503, job.Failure!.Value.Status);
        Assert.Contains("access history", job.Failure.Value.Outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(0, recorder.Pending);
        node.App.Services.GetRequiredService<Security.SessionStore>().Close(session.Token);
    }

    [Fact]
    public async Task A_printout_whose_reads_cannot_be_recorded_is_not_issued_on_the_chain()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        string patientId;
        using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S7", fullName = "Ida Issued", dateOfBirth = "1973-06-06", gender = "female" }, Ct))
        {
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        using var failing = FailDisclosureStore(node);

        // Before, the printout (its hash, "printed by admin") was committed on the chain and then the answer was refused: the
        // chain named a printout nobody received, and each retry of the refused read committed another one.
        var height = ledger.Tip.Height;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var refused = await admin.GetAsync($"/api/v1/patients/{patientId}/record.pdf", Ct);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }
        Assert.Equal(height, ledger.Tip.Height);
        Assert.Empty(ledger.ScanState("recordprintout/"));
    }

    [Fact]
    public async Task A_form_that_reads_the_record_before_writing_writes_nothing_when_the_read_cannot_be_recorded()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        string patientId;
        using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S8", fullName = "Jo Twice", dateOfBirth = "1974-07-07", gender = "male" }, Ct))
        {
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        var form = await browser.GetStringAsync($"/patients/{patientId}/account", Ct); // the form, opened before the fault
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        using var failing = FailDisclosureStore(node);

        // The page reads the patient's account (a disclosure) and then writes the charge. Before, the charge was committed and
        // the answer was the 503 "nothing of it was shown, try again": a retry charged the patient twice.
        var height = ledger.Tip.Height;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Charge.OccurredAt"] = "2026-01-02T10:00",
            ["Charge.Service"] = "X-ray",
            ["Charge.Quantity"] = "1",
            ["Charge.UnitPrice"] = "40",
            ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form),
        });
        using (var refused = await browser.PostAsync($"/patients/{patientId}/account?handler=Charge", content, Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }
        Assert.Equal(height, ledger.Tip.Height);
        Assert.Empty(node.App.Services.GetRequiredService<HealthLedger.Node.Encounters.EntryStore>().Summaries(new HashSet<string>([patientId], StringComparer.Ordinal)));
    }

    [Fact]
    public async Task A_read_by_post_with_an_idempotency_key_is_read_and_recorded_again_not_replayed()
    {
        using var folder = new TempDirectory();
        await using var node = await NodeFixture.StartAsync(folder);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S9", fullName = "Kit Kept", dateOfBirth = "1976-08-08", gender = "female" }, Ct))
        {
            registered.EnsureSuccessStatusCode();
        }
        static HttpRequestMessage Search()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Patient/_search") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "Kit" }) };
            request.Headers.Add(IdempotencyKeys.Header, "search-1");
            return request;
        }
        using (var first = await admin.SendAsync(Search(), Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
            Assert.Contains("Kit Kept", await first.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        using var failing = FailDisclosureStore(node);

        // Before, the kept answer was replayed (200, the patient's data) with no disclosure and none possible: the store
        // was failing and every other read was refused. (The same replay served it again after a revocation.)
        using var again = await admin.SendAsync(Search(), Ct);
        var body = await again.Content.ReadAsStringAsync(Ct);
        Assert.True(again.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"{(int)again.StatusCode}: {body}");
        Assert.False(again.Headers.Contains(IdempotencyKeys.ReplayedHeader));
        Assert.DoesNotContain("Kit Kept", body, StringComparison.Ordinal);
    }
}
