using System.Security.Cryptography;
using HealthLedger.Core.Model;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Import;

/// <summary>
/// The /import page's imports, run in the node's background by <see cref="FhirImporter"/>: <b>one at a time per node</b>
/// (a second start while one runs is refused as Busy and writes nothing, so two runs never race to create the same records).
/// <para>
/// A job does not depend on the admin's browser or session: at its start it takes its own copy of the admin's keys
/// (<see cref="UserSession.ForJob"/>, sharing the session's signing gate), signs with it until it ends and then wipes it. So
/// closing the page, logging out, the session's idle timeout or a password change do not stop a running import; the admin
/// (or another admin of the organisation) follows it again at <c>/import/jobs/{id}</c>. A node that stops ends the job
/// ("stopped"); what it wrote stays, and running the import again finishes it (imported records are found and skipped).
/// </para>
/// The last <see cref="Kept"/> jobs are kept in memory (their reports hold counts and reasons, no patient data).
/// </summary>
public sealed class FhirImportJobs(FhirImporter importer, TimeProvider clock, Microsoft.Extensions.Logging.ILogger<FhirImportJobs> logger) : IDisposable
{
    /// <summary>How many finished jobs are kept for their pages.</summary>
    public const int Kept = 20;

    private readonly Lock _lock = new();
    private readonly List<FhirImportJob> _jobs = [];
    private readonly CancellationTokenSource _stopping = new();
    private FhirImportJob? _running;

    /// <summary>The running job, or null.</summary>
    public FhirImportJob? Running
    {
        get
        {
            lock (_lock) return _running;
        }
    }

    /// <summary>
    /// Starts importing <paramref name="bundles"/> (parsed already) as <paramref name="admin"/>: Forbidden for others, the
    /// importer's refusal (an unknown fallback doctor), Busy while another import runs; else the running job.
    /// <paramref name="observer"/> is told (done, total) after each resource, on the job's thread.
    /// </summary>
    public Outcome<FhirImportJob> Start(UserSession admin, IReadOnlyList<Bundle> bundles, int files, FhirImportOptions options, Action<int, int>? observer = null)
    {
        if (admin.Role != Role.Admin) return Outcome<FhirImportJob>.Forbidden("Only an admin imports records.");
        if (importer.Refusal(admin, options) is { } refusal) return refusal.As<FhirImportJob>();
        FhirImportJob job;
        UserSession signer;
        lock (_lock)
        {
            if (_running is { } busy) return Outcome<FhirImportJob>.Busy(BusyMessage(busy));
            try
            {
                signer = admin.ForJob();
            }
            catch (ObjectDisposedException)
            {
                return Outcome<FhirImportJob>.Forbidden("Your session has ended: log in again.");
            }
            job = new FhirImportJob(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), admin.UserId, admin.OrganisationId, options.DryRun, files,
                bundles.Sum(b => b.Entry.Count(e => e.Resource is not null)), clock.GetUtcNow());
            _running = job;
            _jobs.Add(job);
            var finished = _jobs.Where(j => j.State != FhirImportJobState.Running).ToList();
            foreach (var old in finished.Take(Math.Max(0, finished.Count - Kept))) _jobs.Remove(old);
        }
        _ = DisclosureRecorder.RunDetached(() => RunAsync(job, signer, bundles, options, observer)); // not in the request's disclosure scope
        return Outcome<FhirImportJob>.Ok(job);
    }

    /// <summary>The job <paramref name="id"/> when <paramref name="actor"/> is an admin of its organisation, else null.</summary>
    public FhirImportJob? Find(UserSession actor, string id)
    {
        if (actor.Role != Role.Admin) return null;
        lock (_lock) return _jobs.FirstOrDefault(j => j.Id == id && j.OrganisationId == actor.OrganisationId);
    }

    /// <summary>The message of a refused second start.</summary>
    public static string BusyMessage(FhirImportJob running) =>
        $"Nothing imported: an import (started by {running.OwnerId}, {running.Done} of {running.Total} resources done) is running on this node; one import runs at a time. Wait for it to finish, then start this one again.";

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(FhirImportJob job, UserSession signer, IReadOnlyList<Bundle> bundles, FhirImportOptions options, Action<int, int>? observer)
    {
        FhirImportReport? report = null;
        string? error = null;
        try
        {
            var outcome = await importer.ImportAsync(signer, bundles, options, (done, total) =>
            {
                job.Progress(done, total);
                observer?.Invoke(done, total);
            }, _stopping.Token);
            if (outcome.IsOk) report = outcome.Value!;
            else error = "Nothing imported: " + (outcome.Errors is { IsEmpty: false } errors ? string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value)) : outcome.Message);
        }
        catch (OperationCanceledException)
        {
            error = "Stopped: the node stopped during the import. What was written stays; run the import again to finish it (records already imported are skipped).";
        }
#pragma warning disable CA1031 // A background job reports any failure on its page rather than crashing the node.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // The exception's type (and a database's error code) only: messages may carry data. The node's own storage failing
            // (its disk full, read-only or failing; the ledger's database out of reach) is said so, not left to a type name, and
            // the operator is told (event 1028).
            var code = e switch
            {
                Microsoft.Data.Sqlite.SqliteException sqlite => $", SQLite error {sqlite.SqliteErrorCode}",
                Npgsql.PostgresException postgres => $", SQLSTATE {postgres.SqlState}",
                _ => "",
            };
            var storage = Storage.StoreUnavailableException.IsDatabaseFailure(e) || e is Storage.KeystoreFailureException or Storage.DocumentStoreFailureException
                || e is IOException { HResult: > 0 };
            Log.ImportJobFailed(logger, e.GetType().Name + code, storage ? "the node's storage failed (its disk full, read-only or failing, or the ledger's database out of reach)" : "an error of the node");
            error = storage
                ? "Stopped: the node's storage failed during the import (its disk full, read-only or failing, or the ledger's database out of reach), not the bundle. " +
                    "What was written stays; run the import again once the node's operator has checked its disk and database (records already imported are skipped)."
                : $"Stopped: the import failed ({e.GetType().Name}). What was written stays; run the import again to finish it (records already imported are skipped).";
        }
        finally
        {
            signer.Dispose();
            lock (_lock)
            {
                if (_running == job) _running = null;
            }
        }
        // The job is no longer running when its end is announced: a caller waiting for it may start the next at once.
        if (report is not null) job.Complete(report, clock.GetUtcNow());
        else job.Fail(error!, clock.GetUtcNow());
    }
}
