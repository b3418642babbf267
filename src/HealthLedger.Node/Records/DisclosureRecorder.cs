using System.Threading.Channels;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Records;

/// <summary>
/// Records every read of PHI by someone other than the patient, and every refused attempt, on the ledger: events are
/// queued and written in batches (a node-signed <see cref="RecordDisclosuresPayload"/> at most every 500 ms or 500 events),
/// so reads never wait for a block. Bounded: beyond 100,000 queued events the oldest are reported and dropped.
/// </summary>
public sealed class DisclosureRecorder(LedgerNode node, TimeProvider clock, ILogger<DisclosureRecorder> logger) : BackgroundService
{
    private readonly Channel<DisclosureEvent> _queue = Channel.CreateBounded<DisclosureEvent>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Lock _lock = new();
    private long _pending;
    private TaskCompletionSource _idle = Completed();

    /// <summary>Events queued or in an uncommitted batch.</summary>
    public long Pending
    {
        get
        {
            lock (_lock) return _pending;
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private void Adjust(long delta)
    {
        lock (_lock)
        {
            if (_pending == 0 && delta > 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending += delta;
            if (_pending == 0) _idle.TrySetResult();
        }
    }

    /// <summary>Queues a disclosure (or refused attempt) of a patient's data.</summary>
    public void Record(UserSession actor, string patientId, string resource, string purpose, bool allowed)
    {
        if (!Identifiers.IsValid(patientId) || node.GetState(StateKeys.Patient(patientId)) is null) return;
        Adjust(1);
        _queue.Writer.TryWrite(new DisclosureEvent(actor.UserId, HealthLedger.Node.Security.RoleNames.Of(actor.Role), patientId,
            resource.Length > 120 ? resource[..120] : resource, purpose.Length == 0 ? "-" : purpose, allowed, (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    /// <summary>Waits until every event queued so far is committed (tests, shutdown).</summary>
    public Task FlushAsync(CancellationToken ct)
    {
        lock (_lock) return _idle.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<DisclosureEvent>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(stoppingToken)) return;
                using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                window.CancelAfter(TimeSpan.FromMilliseconds(500));
                try
                {
                    while (batch.Count < RecordDisclosuresPayload.MaxEvents && await _queue.Reader.WaitToReadAsync(window.Token))
                    {
                        while (batch.Count < RecordDisclosuresPayload.MaxEvents && _queue.Reader.TryRead(out var e)) batch.Add(e);
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
                await node.SubmitAsNodeAsync(new RecordDisclosuresPayload(batch.ToList()), stoppingToken);
                Adjust(-batch.Count);
                batch.Clear();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.DisclosureBatchFailed(logger, e, batch.Count);
                Adjust(-batch.Count);
                batch.Clear();
            }
        }
    }
}
