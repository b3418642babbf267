using System.Collections.Concurrent;
using System.Security.Cryptography;
using HealthLedger.Core.Model;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Export;

/// <summary>
/// Bulk export jobs (FHIR Bulk Data Access 2.0 <c>$export</c>) for an organisation's admins: each job gathers every patient
/// of the admin's organisation with <see cref="FhirEverything"/> (each patient's export recorded as a disclosure "FHIR bulk
/// export"; every read under the admin's own access rules) into NDJSON files, one per resource type.
/// <para>
/// The files hold PHI, so they are <b>never written to disk</b>: they live in this node's memory only, at most
/// <see cref="MaxBytesPerJob"/> per job and <see cref="MaxJobs"/> jobs at once, and are dropped <see cref="Expiry"/> after the
/// job finishes, on cancellation (DELETE), and when the node stops. A job that would exceed the cap fails (422 too-costly:
/// narrow it with <c>_type</c> or <c>_since</c>).
/// </para>
/// A job reads with its own copy of the admin's keys (<see cref="UserSession.ForJob"/>), wiped when it ends, so it finishes
/// even when the admin logs out (or the session times out) meanwhile; its files stay the admin's (a new login polls them).
/// </summary>
public sealed class FhirBulkExports(FhirEverything everything, PatientDirectory directory, TimeProvider clock) : IDisposable
{
    /// <summary>The most a job's files may hold.</summary>
    public const long MaxBytesPerJob = 32L * 1024 * 1024;

    /// <summary>The most jobs kept at once (running or finished and not expired).</summary>
    public const int MaxJobs = 4;

    /// <summary>How long a finished job's files stay.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, BulkExportJob> _jobs = new(StringComparer.Ordinal);
    private ITimer? _sweeper;

    /// <summary>Starts a job for <paramref name="actor"/> (admins only); Busy when <see cref="MaxJobs"/> are kept.</summary>
    public Outcome<BulkExportJob> Start(UserSession actor, BulkExportRequest request)
    {
        if (actor.Role != Role.Admin) return Outcome<BulkExportJob>.Forbidden("Only admins export their organisation's patients in bulk.");
        Purge();
        if (_jobs.Count >= MaxJobs) return Outcome<BulkExportJob>.Busy($"{MaxJobs} exports are kept already: download or cancel one (DELETE its status URL), or wait until they expire.");
        // Expired jobs are swept every few minutes even when nobody asks, so their files do not linger in memory.
        if (Volatile.Read(ref _sweeper) is null)
        {
            var timer = clock.CreateTimer(_ => Purge(), null, SweepEvery, SweepEvery);
            if (Interlocked.CompareExchange(ref _sweeper, timer, null) is not null) timer.Dispose();
        }
        // The job reads with its own copy of the admin's keys, wiped when it ends: a logout (which wipes the session's keys)
        // or an expired session during the export does not break it.
        UserSession reader;
        try
        {
            reader = actor.ForJob();
        }
        catch (ObjectDisposedException)
        {
            return Outcome<BulkExportJob>.Forbidden("Your session has ended: log in again.");
        }
        var job = new BulkExportJob(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), actor.UserId, request, clock.GetUtcNow());
        _jobs[job.Id] = job;
        _ = DisclosureRecorder.RunDetached(() =>
        {
            using (reader) Run(reader, job);
            return Task.CompletedTask;
        });
        return Outcome<BulkExportJob>.Ok(job);
    }

    /// <summary>The job <paramref name="id"/> when <paramref name="actor"/> started it and it has not expired.</summary>
    public BulkExportJob? Find(UserSession actor, string id)
    {
        Purge();
        return _jobs.TryGetValue(id, out var job) && job.OwnerId == actor.UserId ? job : null;
    }

    /// <summary>Completes when job <paramref name="id"/> has finished (at once when there is no such job): for tests and tools that wait.</summary>
    public Task Finished(string id) => _jobs.TryGetValue(id, out var job) ? job.Finished : Task.CompletedTask;

    /// <summary>Cancels and drops the job (its files with it); false when the actor has no such job.</summary>
    public bool Cancel(UserSession actor, string id)
    {
        if (Find(actor, id) is not { } job || !_jobs.TryRemove(id, out _)) return false;
        job.Cancellation.Cancel();
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sweeper?.Dispose();
        foreach (var job in _jobs.Values) job.Cancellation.Cancel();
        _jobs.Clear();
    }

    private void Purge()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, job) in _jobs)
        {
            if (job.FinishedAt is { } at && now - at > Expiry) _jobs.TryRemove(id, out _);
        }
    }

    private void Run(UserSession actor, BulkExportJob job)
    {
        var ct = job.Cancellation.Token;
        try
        {
            var byType = new SortedDictionary<string, List<Resource>>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var errors = new List<Resource>();
            long bytes = 0;
            var patients = directory.Patients(actor.OrganisationId).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
            for (var i = 0; i < patients.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                job.Progress = $"{i}/{patients.Count} patients";
                var gathered = everything.Gather(actor, patients[i].Id, job.Request.Types, job.Request.Since, "FHIR bulk export", ct);
                if (!gathered.IsOk)
                {
                    errors.Add(FhirOutcomes.Error(OperationOutcome.IssueType.Processing, $"Patient {patients[i].Id} was not exported ({gathered.Kind.ToString().ToLowerInvariant()})."));
                    continue;
                }
                if (!Add(gathered.Value!)) return;
            }
            if (job.Request.SystemLevel)
            {
                // The types outside the patient compartment (organisations, practitioners…), as the admin may search them.
                foreach (var type in everything.OtherTypes.Where(t => job.Request.Types is null || job.Request.Types.Contains(t.TypeName)))
                {
                    job.Progress = $"{patients.Count}/{patients.Count} patients; {type.TypeName}";
                    var found = FhirEverything.SearchAll(actor, type, new Dictionary<string, StringValues>(), ct);
                    if (found.IsOk)
                    {
                        if (!Add(found.Value!.Where(r => job.Request.Since is not { } s || r.Meta?.LastUpdated is not { } u || u >= s))) return;
                    }
                    else if (found.Kind is not (OutcomeKind.Forbidden or OutcomeKind.NotFound))
                    {
                        errors.Add(FhirOutcomes.Error(OperationOutcome.IssueType.Processing, $"{type.TypeName} was not exported ({found.Kind.ToString().ToLowerInvariant()})."));
                    }
                }
            }
            ct.ThrowIfCancellationRequested();
            var output = byType.Select(t => new BulkExportFile(t.Key, t.Key + ".ndjson", BulkExportJob.Ndjson(t.Value), t.Value.Count)).ToList();
            var errorFiles = errors.Count == 0 ? [] : new List<BulkExportFile> { new("OperationOutcome", "errors.ndjson", BulkExportJob.Ndjson(errors), errors.Count) };
            job.Progress = "done";
            job.Complete(output, errorFiles, clock.GetUtcNow());

            bool Add(IEnumerable<Resource> resources)
            {
                foreach (var r in resources)
                {
                    if (r is OperationOutcome warning)
                    {
                        errors.Add(warning);
                        continue;
                    }
                    if (!seen.Add(r.TypeName + "/" + r.Id)) continue;
                    bytes += System.Text.Encoding.UTF8.GetByteCount(r.ToJson()) + 1;
                    if (bytes > MaxBytesPerJob)
                    {
                        job.Fail(422, FhirOutcomes.Error(OperationOutcome.IssueType.TooCostly,
                            $"The export is larger than this node keeps in memory ({MaxBytesPerJob / (1024 * 1024)} MB): narrow it with _type or _since."), clock.GetUtcNow());
                        return false;
                    }
                    (byType.TryGetValue(r.TypeName, out var list) ? list : byType[r.TypeName] = []).Add(r);
                }
                return true;
            }
        }
        catch (OperationCanceledException)
        {
            // Cancelled by DELETE: the job is gone already.
            job.Cancelled();
        }
        catch (DisclosureNotRecordedException)
        {
            // A patient's export could not be recorded in their access history: nothing of the job is kept or served.
            job.Fail(StatusCodes.Status503ServiceUnavailable, FhirOutcomes.Error(OperationOutcome.IssueType.Transient,
                "The export stopped: a read could not be recorded in a patient's access history (the node's disclosure store failed), so nothing of it is kept. Start the export again later; if it persists, tell the administrator."),
                clock.GetUtcNow());
        }
#pragma warning disable CA1031 // A background job reports any failure through its status URL rather than crashing the node.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // The exception's type only: messages may carry data.
            job.Fail(500, FhirOutcomes.Error(OperationOutcome.IssueType.Exception, $"The export stopped ({e.GetType().Name})."), clock.GetUtcNow());
        }
    }
}
