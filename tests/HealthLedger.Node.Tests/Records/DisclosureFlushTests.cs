using System.Net.Http.Json;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// Someone waiting for the disclosures (the patient opening "who accessed my data", a graceful stop) gets them sent at once,
/// not after the rest of the batch window: with a window of an hour, the patient's history page still shows the read made
/// just before it (the page waits at most 3 s for the pending events), and a flush returns.
/// </summary>
public class DisclosureFlushTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flush_sends_the_pending_disclosures_at_once_instead_of_after_the_batch_window()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { DisclosureBatchWindow = TimeSpan.FromHours(1) });
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-F1", fullName = "Flo Flush", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
        var patient = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        (await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!)).Dispose();
        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        // A bound for failure, not a wait: without the flush sending at once, this waits out the hour's window.
        await recorder.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        (await admin.GetAsync($"/api/v1/patients/{patient.Id}", Ct)).EnsureSuccessStatusCode(); // a read the patient sees
        Assert.Equal(1, recorder.Pending);
        using var web = await node.CookieLoginAsync(patient.Id, NodeFixture.ChosenPassword);
        (await web.GetAsync($"/patients/{patient.Id}/access/history", Ct)).EnsureSuccessStatusCode();
        Assert.Equal(0, recorder.Pending);
        using var own = await node.LoginAsync(patient.Id, NodeFixture.ChosenPassword);
        var history = (await own.GetFromJsonAsync<AccessHistoryPage>($"/api/v1/patients/{patient.Id}/access-history?who=admin&pageSize=100", Ct))!;
        Assert.Equal(1, history.TotalEvents);
    }

    /// <summary>
    /// A flush covers the events stored before it, not every event that arrives while it waits: reads go on all day, and the
    /// pending count does not fall to 0 between batches. Before, the flush waited for a count of 0 (the access page waited out
    /// its 3 s under load) and its "send at once" stayed on until then, so with reads arriving during each commit every later
    /// batch was sent unbatched, for good. Here a read is recorded while the flushed batch commits: the flush returns once
    /// its own events committed, and the later read waits for its batch window again (an hour: still pending).
    /// </summary>
    [Fact]
    public async Task A_flush_under_continuing_reads_returns_with_its_own_events_and_batching_resumes()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { DisclosureBatchWindow = TimeSpan.FromHours(1) });
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-F2", fullName = "Flo Flush", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
        var patient = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        await recorder.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var session = node.App.Services.GetRequiredService<SessionStore>().Find(admin.DefaultRequestHeaders.Authorization!.Parameter)!;

        (await admin.GetAsync($"/api/v1/patients/{patient.Id}", Ct)).EnsureSuccessStatusCode(); // read A, pending
        Assert.Equal(1, recorder.Pending);
        // Read B arrives while A's batch commits (in the commit, before the recorder learns A committed).
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var readDuringCommit = 0;
        void During(CandidateBlock block)
        {
            if (!block.Built.Block.Transactions.Any(t => t.Payload is RecordDisclosuresPayload) || Interlocked.Exchange(ref readDuringCommit, 1) == 1) return;
            recorder.RecordAsync(session, [(patient.Id, "Patient", "treatment", true)]).GetAwaiter().GetResult();
        }
        ledger.BlockCommitted += During;
        try
        {
            await recorder.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
        finally
        {
            ledger.BlockCommitted -= During;
        }
        Assert.Equal(1, readDuringCommit);
        Assert.Equal(1, recorder.Pending); // B: nobody waits for it, so it waits for its batch
        await recorder.FlushAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct); // asked for, it is sent at once
        Assert.Equal(0, recorder.Pending);
    }
}
