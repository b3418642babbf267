using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Fhir.Export;

/// <summary>The states of a <see cref="BulkExportJob"/>.</summary>
public enum BulkExportState
{
    /// <summary>Gathering.</summary>
    Running,
    /// <summary>Done: the files are ready.</summary>
    Completed,
    /// <summary>Stopped with an error (<see cref="BulkExportJob.Failure"/>).</summary>
    Failed,
}

/// <summary>
/// One bulk export: who asked, what, its progress, and (when done) its NDJSON files in memory. Thread-safe for one writer
/// (the job's task) and many readers (status polls).
/// </summary>
public sealed class BulkExportJob(string id, string ownerId, BulkExportRequest request, DateTimeOffset transactionTime)
{
    private volatile string _progress = "queued";
    private volatile BulkExportState _state = BulkExportState.Running;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The job id (random, in the status URL).</summary>
    public string Id { get; } = id;

    /// <summary>The user who started it: only they poll, download and cancel.</summary>
    public string OwnerId { get; } = ownerId;

    /// <summary>What was asked.</summary>
    public BulkExportRequest Request { get; } = request;

    /// <summary>When the export started (the manifest's <c>transactionTime</c>).</summary>
    public DateTimeOffset TransactionTime { get; } = transactionTime;

    /// <summary>Cancels the job's task.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The progress in words ("3/10 patients"), for <c>X-Progress</c>.</summary>
    public string Progress { get => _progress; set => _progress = value; }

    /// <summary>The state.</summary>
    public BulkExportState State => _state;

    /// <summary>When it finished (completed or failed), for expiry.</summary>
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Completes when the job has completed, failed or been cancelled.</summary>
    public System.Threading.Tasks.Task Finished => _finished.Task;

    /// <summary>The output files (resource types), when completed.</summary>
    public IReadOnlyList<BulkExportFile> Output { get; private set; } = [];

    /// <summary>The error files (OperationOutcome lines: patients that could not be exported), when completed.</summary>
    public IReadOnlyList<BulkExportFile> Errors { get; private set; } = [];

    /// <summary>Why it failed: the HTTP status and the outcome, when failed.</summary>
    public (int Status, OperationOutcome Outcome)? Failure { get; private set; }

    /// <summary>Marks the job done with its files.</summary>
    public void Complete(IReadOnlyList<BulkExportFile> output, IReadOnlyList<BulkExportFile> errors, DateTimeOffset at)
    {
        Output = output;
        Errors = errors;
        FinishedAt = at;
        _state = BulkExportState.Completed;
        _finished.TrySetResult();
    }

    /// <summary>Marks the job failed.</summary>
    public void Fail(int status, OperationOutcome outcome, DateTimeOffset at)
    {
        Failure = (status, outcome);
        FinishedAt = at;
        _state = BulkExportState.Failed;
        _finished.TrySetResult();
    }

    /// <summary>Marks the job's task as ended by cancellation.</summary>
    public void Cancelled() => _finished.TrySetResult();

    /// <summary>The file named <paramref name="name"/>, or null.</summary>
    public BulkExportFile? File(string name) => Output.Concat(Errors).FirstOrDefault(f => f.Name == name);

    /// <summary>The bytes the job holds.</summary>
    public long Bytes => Output.Concat(Errors).Sum(f => (long)f.Data.Length);

    /// <summary>Builds NDJSON: one compact JSON resource per line.</summary>
    public static byte[] Ndjson(IEnumerable<Resource> resources)
    {
        var text = new StringBuilder();
        foreach (var r in resources) text.Append(r.ToJson()).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
