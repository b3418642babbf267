using System.Security.Cryptography;
using System.Threading.Channels;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Records;

/// <summary>
/// Records every read of PHI by someone other than the patient, and every refused attempt, on the ledger. Each event is
/// first made durable in the node's own store (<see cref="HealthLedger.Storage.ILedgerStore.SavePendingDisclosures"/>: for the
/// embedded ledger its own file <c>ledger.disclosures.db</c>, off the ledger's writer lock) before the data is served (reads
/// made at the same time share one store transaction and one fsync: group commit; a request waits for it without holding a
/// thread, see <see cref="RecordAsync"/> and <see cref="DeferDurability"/>); a background loop then writes the pending events in batches (a node-signed
/// <see cref="RecordDisclosuresPayload"/> after at most 500 ms or 500 events, or at once when someone waits for them:
/// <see cref="FlushAsync"/>) and forgets them only once their transaction
/// has committed. Pending events survive a stop, a crash or a kill: they are sent again at the next start, and each carries
/// its own random id (<see cref="DisclosureEvent.Id"/>) so the chain records it once even when both the first and the
/// repeated transaction commit. A graceful stop waits up to <see cref="StopFlushLimit"/> for the pending events to commit.
/// </summary>
public sealed class DisclosureRecorder(LedgerNode node, TimeProvider clock, NodeOptions options, ILogger<DisclosureRecorder> logger) : BackgroundService
{

    /// <summary>The longest a graceful stop waits for pending events to commit; what is left is sent at the next start.</summary>
    public static readonly TimeSpan StopFlushLimit = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private long _pending = node.Store.CountPendingDisclosures();
    private volatile bool _stopping;
    // Flushes (FlushAsync) are numbered: _flushAsked is the latest one's number, _flushCovered the latest whose events are
    // committed (a batch read from the store after it was asked, holding all that was pending, committed; or nothing pending).
    // While one is not covered, batches are sent without waiting out the window; once covered, batching resumes: reads that
    // go on arriving are not part of it, and neither keeps it waiting nor makes every later batch small.
    private long _flushAsked;
    private long _flushCovered;
    private TaskCompletionSource? _covered; // completes (and is replaced) when _flushCovered moves

    /// <summary>Events stored but not yet seen committed (pending in the store, including those left by an earlier run).</summary>
    public long Pending
    {
        get
        {
            lock (_lock) return _pending;
        }
    }

    private void Adjust(long delta)
    {
        lock (_lock)
        {
            _pending = Math.Max(0, _pending + delta);
            if (_pending == 0) Cover(_flushAsked);
        }
    }

    // Under _lock: every flush up to number `asked` is done.
    private void Cover(long asked)
    {
        if (asked <= _flushCovered) return;
        _flushCovered = asked;
        _covered?.TrySetResult();
        _covered = null;
    }

    // Someone waits for a flush that no committed batch has covered yet.
    private bool Flushing
    {
        get
        {
            lock (_lock) return _flushAsked > _flushCovered;
        }
    }

    // The number of the latest flush asked for: a batch read from the store after this call covers it once committed.
    private long FlushAsked
    {
        get
        {
            lock (_lock) return _flushAsked;
        }
    }

    private static readonly AsyncLocal<LeftOut?> Scope = new();

    /// <summary>
    /// Until the returned scope is disposed, this async flow records no reads (<paramref name="reads"/>) and/or no refusals
    /// (<paramref name="refusals"/>); the scope counts what it left out. For answers that are not disclosures — a FHIR write
    /// answering the resource the writer just wrote — and for a gathering that records one refusal summary instead of one
    /// refusal per part (FHIR <c>$everything</c>). Never for a read that shows data the reader did not send.
    /// </summary>
    public static LeftOut LeaveOut(bool reads, bool refusals)
    {
        var scope = new LeftOut(Scope.Value, reads, refusals);
        Scope.Value = scope;
        return scope;
    }

    /// <summary>A scope of <see cref="LeaveOut"/>: what it left out.</summary>
    public sealed class LeftOut : IDisposable
    {
        private readonly LeftOut? _outer;
        private readonly bool _reads, _refusals;
        private readonly List<string> _refused = [];

        internal LeftOut(LeftOut? outer, bool reads, bool refusals)
        {
            _outer = outer;
            _reads = reads;
            _refusals = refusals;
        }

        /// <summary>The resources of the refusals left out, in order.</summary>
        public IReadOnlyList<string> Refused
        {
            get
            {
                lock (_refused) return [.. _refused];
            }
        }

        internal bool LeavesOut(bool allowed, string resource)
        {
            if (allowed ? !_reads : !_refusals) return _outer?.LeavesOut(allowed, resource) ?? false;
            if (!allowed)
            {
                lock (_refused) _refused.Add(resource);
            }
            return true;
        }

        /// <inheritdoc />
        public void Dispose() => Scope.Value = _outer;
    }

    /// <summary>
    /// Records a disclosure (or refused attempt) of a patient's data: stored durably before the data is served, committed on
    /// the chain shortly after. Nothing is recorded for an id that is not a registered patient. See
    /// <see cref="Record(UserSession, IEnumerable{ValueTuple{string, string, string, bool}})"/> for when it waits.
    /// </summary>
    /// <exception cref="DisclosureNotRecordedException">The node's store could not be written (the read must then not be served); the store's
    /// exception (<see cref="Microsoft.Data.Sqlite.SqliteException"/>, <c>NpgsqlException</c>) is its inner exception.</exception>
    public void Record(UserSession actor, string patientId, string resource, string purpose, bool allowed) =>
        Record(actor, [(patientId, resource, purpose, allowed)]);

    /// <summary>
    /// Records several disclosures by one actor (a list or report that shows many patients) in one store write, each as
    /// <see cref="Record(UserSession, string, string, string, bool)"/>. Inside an HTTP request (<see cref="DeferDurability"/>,
    /// set up for every request by the node's pipeline) this returns at once and the request's answer waits, without a
    /// thread, for the events to be durable before its first byte is sent (and is refused if they cannot be stored);
    /// outside one (or once the answer has started) it blocks until they are durable, as <see cref="RecordAsync"/> awaited.
    /// The service methods that call it are synchronous (dozens of them, over the UI, the API and FHIR), hence this form.
    /// </summary>
    /// <exception cref="DisclosureNotRecordedException">The node's store could not be written (the store's exception inside). Inside a
    /// request the same exception ends the request instead (at the answer's first write, its start or the end of the handler:
    /// <see cref="Web.DisclosureDurability"/>), before anything of the answer is sent, and the client gets a 503 that says why.</exception>
    /// <exception cref="InvalidOperationException">The actor's id is not one the chain accepts (<see cref="Identifiers.Rule"/>).</exception>
    public void Record(UserSession actor, IEnumerable<(string PatientId, string Resource, string Purpose, bool Allowed)> reads)
    {
        var durable = RecordAsync(actor, reads);
        if (durable.IsCompletedSuccessfully) return;
        if (Deferred.Value is { } scope && scope.TryAdd(durable)) return;
        durable.GetAwaiter().GetResult(); // outside a request (or once the answer started): DisclosureNotRecordedException
    }

    /// <summary>
    /// Records the disclosures as <see cref="Record(UserSession, IEnumerable{ValueTuple{string, string, string, bool}})"/>
    /// and returns a task that completes once they are durable in the node's store (reads recorded at the same time share
    /// one store transaction and one fsync: group commit, written off the caller's thread). The data must be served only
    /// after it completes.
    /// </summary>
    /// <returns>A task that fails with <see cref="DisclosureNotRecordedException"/> (the store's exception, <see cref="Microsoft.Data.Sqlite.SqliteException"/>
    /// or <c>NpgsqlException</c>, inside) when the batch holding these events could not be stored: every read of that batch is then refused.</returns>
    /// <exception cref="InvalidOperationException">The actor's id is not one the chain accepts (<see cref="Identifiers.Rule"/>).</exception>
    public Task RecordAsync(UserSession actor, IEnumerable<(string PatientId, string Resource, string Purpose, bool Allowed)> reads)
    {
        // An actor id the chain would refuse would hold every later batch back: such a read is refused, never served untraced.
        if (!Identifiers.IsValid(actor.UserId)) throw new InvalidOperationException($"A read by '{actor.UserId}' cannot be recorded: not a valid user id.");
        var at = (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();
        var role = RoleNames.Of(actor.Role);
        var events = new List<(Hash256, byte[])>();
        var scope = Scope.Value;
        foreach (var (patientId, resource, purpose, allowed) in reads)
        {
            if (scope is not null && scope.LeavesOut(allowed, resource)) continue;
            if (!Identifiers.IsValid(patientId) || node.GetState(StateKeys.Patient(patientId)) is null) continue;
            var e = new DisclosureEvent(new Hash256(RandomNumberGenerator.GetBytes(32)), actor.UserId, role, patientId,
                Fit(resource, 120), purpose.Length == 0 ? "-" : Fit(purpose, 60), allowed, at);
            events.Add((e.Id, e.Encode()));
        }
        if (events.Count == 0) return Task.CompletedTask;
        Deferred.Value?.MarkDisclosed();
        Adjust(events.Count);
        return Save(events);
    }

    private static readonly AsyncLocal<DeferredDurability?> Deferred = new();

    /// <summary>
    /// For the rest of this async flow (an HTTP request: the node's pipeline calls it for each), <see cref="Record(UserSession, IEnumerable{ValueTuple{string, string, string, bool}})"/>
    /// does not block: the returned scope collects what it recorded, and <see cref="DeferredDurability.WaitAsync"/> must be
    /// awaited before anything of the answer is sent (the pipeline awaits it when the response starts and when the handler
    /// returns). Called from an async method, so the scope ends with it.
    /// </summary>
    public static DeferredDurability DeferDurability()
    {
        var scope = new DeferredDurability();
        Deferred.Value = scope;
        return scope;
    }

    /// <summary>
    /// Completes once every disclosure the current request recorded so far is durable (at once outside a request, where
    /// recording waits itself), or fails with <see cref="DisclosureNotRecordedException"/>: for a handler that writes to the
    /// chain because of what it read (a printout), so that nothing is committed for a read that is then refused.
    /// </summary>
    public static Task DurableSoFarAsync() => Deferred.Value is { } scope ? scope.WaitAsync(close: false) : Task.CompletedTask;

    /// <summary>
    /// <see cref="DurableSoFarAsync"/> for a transaction the request is about to write, which it also notes (a request that
    /// wrote may have its answer kept for an <c>Idempotency-Key</c>; one that only read may not: <see cref="DeferredDurability.ReadOnly"/>).
    /// </summary>
    public static Task BeforeWriteAsync()
    {
        Deferred.Value?.MarkWrote();
        return DurableSoFarAsync();
    }

    /// <summary>
    /// Starts <paramref name="work"/> on the thread pool outside any request's <see cref="DeferDurability"/> scope: for
    /// background jobs that a request starts and that read records (bulk export, import). A job started with
    /// <c>Task.Run</c> inherits the request's async flow, and with it the scope, so while the request was still open the
    /// job's reads were left for the request's answer to wait on: the job went on and kept the data of a read whose
    /// disclosure was never stored, and the request was refused for the job's failure. Here each read of the job waits
    /// for its own disclosure (and fails with <see cref="DisclosureNotRecordedException"/>).
    /// </summary>
    public static Task RunDetached(Func<Task> work) =>
        Task.Run(() =>
        {
            Deferred.Value = null; // this flow only (the job's): the request keeps its scope
            return work();
        }, CancellationToken.None);

    /// <summary>The disclosures a request recorded and the answer must wait for (<see cref="DeferDurability"/>).</summary>
    public sealed class DeferredDurability
    {
        private readonly List<Task> _waits = [];
        private bool _closed;
        private volatile bool _disclosed;
        private volatile bool _wrote;

        /// <summary>
        /// True when the request recorded a disclosure and wrote nothing: its answer is a read, to be served (and recorded)
        /// each time it is asked for, never replayed from a kept copy (<see cref="Web.IdempotencyKeys"/>).
        /// </summary>
        public bool ReadOnly => _disclosed && !_wrote;

        internal void MarkDisclosed() => _disclosed = true;

        internal void MarkWrote() => _wrote = true;

        internal bool TryAdd(Task durable)
        {
            lock (_waits)
            {
                if (_closed) return false; // the answer has started: the caller must wait itself
                _waits.Add(durable);
                return true;
            }
        }

        /// <summary>
        /// Completes once every disclosure recorded so far in the scope is durable, or fails with the store's exception.
        /// With <paramref name="close"/> (the response is starting), later records wait themselves instead.
        /// </summary>
        public Task WaitAsync(bool close)
        {
            Task[] waits;
            lock (_waits)
            {
                _closed |= close;
                waits = [.. _waits];
            }
            return waits.Length switch
            {
                0 => Task.CompletedTask,
                1 => waits[0],
                _ => Task.WhenAll(waits),
            };
        }
    }

    // Group commit of the pending events: concurrent reads put their events in the open batch; a writer (a thread-pool work
    // item, started by the first read that finds none running) writes the whole batch in one store transaction, one fsync,
    // while the next batch fills, and goes on while batches are waiting. Each batch's task completes once it is durable, or
    // fails with the store's error for that batch; its readers wait on it without holding a thread.
    private readonly Lock _groupLock = new();
    private PendingBatch _open = new();
    private bool _writing;

    /// <summary>
    /// Since when a batch of events has been written to the store (<c>ledger.disclosures.db</c> for the embedded ledger) without
    /// the write returning, once that is longer than <see cref="Network.ConsensusHost.StoreHangAfter"/> (5 s): a disk that stalls
    /// (frozen, failing, a network mount gone) rather than failing. Null otherwise. Every read of records waits for its events to
    /// be durable, so <c>/healthz</c> answers 503 meanwhile; the reads go on once the write returns.
    /// </summary>
    public DateTimeOffset? WriteHangingSince => Writes.StalledSince(Network.ConsensusHost.StoreHangAfter);

    /// <summary>
    /// When the last write of disclosures to the disclosure store failed and why (the store's own words: a full disk, a
    /// read-only one), while no write has succeeded since; else null. Reads of records are refused meanwhile (503, event
    /// 2054), and <c>/healthz</c> says so.
    /// </summary>
    public (DateTimeOffset At, string Reason)? LastWriteFailure
    {
        get { lock (_failureLock) return _lastWriteFailure; }
        private set { lock (_failureLock) _lastWriteFailure = value; }
    }

    /// <summary><see cref="LastWriteFailure"/> when it happened within <paramref name="within"/> (the disk may have room again since, with no read to try it); else null.</summary>
    public (DateTimeOffset At, string Reason)? RecentWriteFailure(TimeSpan within) =>
        LastWriteFailure is { } failure && clock.GetUtcNow() - failure.At <= within ? failure : null;

    private readonly Lock _failureLock = new();
    private (DateTimeOffset At, string Reason)? _lastWriteFailure;

    /// <summary>The batches being written to the store (<see cref="WriteHangingSince"/>).</summary>
    public Storage.WriteWatch Writes { get; } = new(clock);

    private sealed class PendingBatch
    {
        public List<(Hash256, byte[])> Events { get; } = [];
        public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private Task Save(List<(Hash256, byte[])> events)
    {
        Task durable;
        bool start;
        lock (_groupLock)
        {
            _open.Events.AddRange(events);
            durable = _open.Durable.Task;
            start = !_writing;
            _writing = true;
        }
        if (start) ThreadPool.UnsafeQueueUserWorkItem(static recorder => recorder.WriteBatches(), this, preferLocal: false);
        return durable;
    }

    private void WriteBatches()
    {
        while (true)
        {
            PendingBatch batch;
            lock (_groupLock)
            {
                if (_open.Events.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = _open;
                _open = new PendingBatch();
            }
            try
            {
                using var underWay = Writes.Begin();
                node.Store.SavePendingDisclosures(batch.Events);
            }
            catch (Exception e)
            {
                Adjust(-batch.Events.Count);
                LastWriteFailure = (clock.GetUtcNow(), e.Message);
                batch.Durable.TrySetException(new DisclosureNotRecordedException(e));
                continue;
            }
            LastWriteFailure = null;
            _wake.Writer.TryWrite(true);
            batch.Durable.TrySetResult();
        }
    }

    /// <summary>
    /// Waits until every event stored so far is committed (shutdown, the patient's access pages, tests); what is pending is
    /// sent at once instead of after the rest of the batch window. Events stored meanwhile are not waited for (under a steady
    /// flow of reads the pending count never falls to 0), and once the flush is done they are batched as usual.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        long asked;
        lock (_lock)
        {
            if (_pending == 0) return;
            asked = ++_flushAsked;
        }
        _wake.Writer.TryWrite(true);
        while (true)
        {
            Task covered;
            lock (_lock)
            {
                if (_flushCovered >= asked) return;
                covered = (_covered ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            await covered.WaitAsync(ct);
        }
    }

    /// <summary>Sends what is pending at once and waits (at most <see cref="StopFlushLimit"/>) for it to commit, then stops.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _wake.Writer.TryWrite(true);
        if (ExecuteTask is { IsCompleted: false })
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(StopFlushLimit);
            try
            {
                await FlushAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (Pending > 0) Log.DisclosuresLeftPending(logger, Pending);
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (Pending > 0) Log.DisclosuresResumed(logger, Pending);
        var retry = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            var count = 0;
            try
            {
                var asked = FlushAsked; // taken before the read: a read that finds everything pending covers this flush
                var rows = node.Store.ReadPendingDisclosures(RecordDisclosuresPayload.MaxEvents);
                if (rows.Count == 0)
                {
                    lock (_lock) Cover(asked); // nothing stored is pending (what is still being stored was not yet served)
                    await _wake.Reader.ReadAsync(stoppingToken);
                    continue;
                }
                if (rows.Count < RecordDisclosuresPayload.MaxEvents && !_stopping && !Flushing)
                {
                    await CollectAsync(stoppingToken);
                    asked = FlushAsked;
                    rows = node.Store.ReadPendingDisclosures(RecordDisclosuresPayload.MaxEvents);
                }
                else if (FlushAsked != asked)
                {
                    // A flush asked between the read and now: read again, so that this batch covers it. Otherwise it waited
                    // for the next batch too, and with it for reads that arrived after it was asked.
                    asked = FlushAsked;
                    rows = node.Store.ReadPendingDisclosures(RecordDisclosuresPayload.MaxEvents);
                }
                count = rows.Count;
                var events = new List<DisclosureEvent>(rows.Count);
                foreach (var (id, bytes) in rows)
                {
                    if (DisclosureEvent.TryDecode(bytes) is not { } e || e.Id != id) Log.DisclosureUnreadable(logger, id.ToString());
                    else if (node.GetState(StateKeys.DisclosureId(id)) is null) events.Add(e); // not yet on the chain
                }
                if (events.Count > 0) await node.SubmitAsNodeAsync(new RecordDisclosuresPayload(events), stoppingToken);
                node.Store.DeletePendingDisclosures(rows.Select(r => r.Id).ToList());
                Adjust(-rows.Count);
                if (rows.Count < RecordDisclosuresPayload.MaxEvents)
                {
                    lock (_lock) Cover(asked); // the batch held all that was pending when it was read
                }
                retry = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // what is pending stays in the store for the next start
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                retry = retry == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetryDelay.Ticks));
                if (Storage.StoreUnavailableException.IsOutage(e)) Log.DisclosuresWaitForStore(logger, e.Message, retry.TotalSeconds);
                else Log.DisclosureBatchFailed(logger, e, count, retry.TotalSeconds);
                try
                {
                    await Task.Delay(retry, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // The longest prefix of text within the chain's limit of maxBytes UTF-8 bytes (whole characters only).
    private static string Fit(string text, int maxBytes)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var length = Math.Min(text.Length, maxBytes);
        while (length > 0 && (System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > maxBytes || char.IsHighSurrogate(text[length - 1]))) length--;
        return text[..length];
    }

    // Lets a batch fill for up to NodeOptions.DisclosureBatchWindow (or until MaxEvents are pending, or the node is stopping).
    private async Task CollectAsync(CancellationToken stoppingToken)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        window.CancelAfter(options.DisclosureBatchWindow);
        try
        {
            while (Pending < RecordDisclosuresPayload.MaxEvents && !_stopping && !Flushing) await _wake.Reader.ReadAsync(window.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }
}
