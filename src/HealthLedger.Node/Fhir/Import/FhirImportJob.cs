namespace HealthLedger.Node.Fhir.Import;

/// <summary>The states of a <see cref="FhirImportJob"/>.</summary>
public enum FhirImportJobState
{
    /// <summary>Importing.</summary>
    Running,
    /// <summary>Done: <see cref="FhirImportJob.Report"/> says what was created, found and not mapped.</summary>
    Completed,
    /// <summary>Refused before anything was written, or stopped (<see cref="FhirImportJob.Error"/>).</summary>
    Failed,
}

/// <summary>
/// One import run in the node's background (<see cref="FhirImportJobs"/>): who started it, its progress in resources, and
/// its report or error. Thread-safe for one writer (the job's task) and many readers (the status polls).
/// </summary>
public sealed class FhirImportJob
{
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _done;
    private int _total;
    private volatile FhirImportJobState _state = FhirImportJobState.Running;

    internal FhirImportJob(string id, string ownerId, string organisationId, bool dryRun, int files, int total, DateTimeOffset startedAt)
    {
        Id = id;
        OwnerId = ownerId;
        OrganisationId = organisationId;
        DryRun = dryRun;
        Files = files;
        _total = total;
        StartedAt = startedAt;
    }

    /// <summary>The job id (random, in the job page's address).</summary>
    public string Id { get; }

    /// <summary>The admin who started it.</summary>
    public string OwnerId { get; }

    /// <summary>The organisation whose admins may follow it.</summary>
    public string OrganisationId { get; }

    /// <summary>A dry run (writes nothing).</summary>
    public bool DryRun { get; }

    /// <summary>How many files were uploaded.</summary>
    public int Files { get; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Resources handled so far.</summary>
    public int Done => Volatile.Read(ref _done);

    /// <summary>Resources to handle (the Bundles' entries until the import has counted them without duplicates).</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>The state.</summary>
    public FhirImportJobState State => _state;

    /// <summary>What was imported, when completed.</summary>
    public FhirImportReport? Report { get; private set; }

    /// <summary>Why it failed or stopped (one line, no patient data), when failed.</summary>
    public string? Error { get; private set; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Completes when the job has completed or failed.</summary>
    public Task Finished => _finished.Task;

    internal void Progress(int done, int total)
    {
        Volatile.Write(ref _total, total);
        Volatile.Write(ref _done, done);
    }

    internal void Complete(FhirImportReport report, DateTimeOffset at)
    {
        Report = report;
        Progress(report.Total, report.Total);
        FinishedAt = at;
        _state = FhirImportJobState.Completed;
        _finished.TrySetResult();
    }

    internal void Fail(string error, DateTimeOffset at)
    {
        Error = error;
        FinishedAt = at;
        _state = FhirImportJobState.Failed;
        _finished.TrySetResult();
    }
}
