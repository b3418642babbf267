using System.Diagnostics;
using System.Threading.Channels;
using HealthLedger.Consensus;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network.Grpc;
using HealthLedger.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Network;

/// <summary>What <see cref="ConsensusHost"/> reports about itself (for /healthz).</summary>
/// <param name="Height">The height being decided.</param>
/// <param name="Round">Its round.</param>
/// <param name="Step">Its step, or "idle" while no transaction waits.</param>
/// <param name="Leader">The node id of the proposer of this height and round.</param>
/// <param name="Validators">Number of voting nodes.</param>
/// <param name="Prevotes">Validators whose prevote for this height and round the engine holds (its own included).</param>
/// <param name="Precommits">Validators whose precommit for this height and round the engine holds (its own included).</param>
/// <param name="Stats">What the engine refused or noticed.</param>
public sealed record ConsensusStatus(ulong Height, int Round, string Step, string Leader, int Validators, int Prevotes, int Precommits, EngineStats Stats);

/// <summary>
/// The host around the pure <see cref="TendermintEngine"/> (also with one validator): one loop owns the engine and the
/// ledger's state and feeds it messages from peers, timer expiries and the time; it carries out the engine's actions —
/// persists the voting state durably before sending anything it signed, broadcasts, sets timers, commits decided blocks
/// with their certificates. Around it: a height starts only when there is work (or a peer has started it), a node that has
/// fallen behind fetches and fully verifies blocks from peers (block sync), and stuck heights are re-gossiped. A node whose
/// store lost committed blocks (<see cref="LedgerNode.RecoveringTo"/>) only syncs, without voting, until it is past them.
/// </summary>
public sealed class ConsensusHost(LedgerNode node, PeerNetwork peers, NodeOptions options, TimeProvider clock, IHostApplicationLifetime lifetime,
    ILogger<ConsensusHost> logger) : BackgroundService
{
    private const int InboundCapacity = 20_000;
    private const int SyncBatch = 64;
    private static readonly TimeSpan GossipInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    // Received votes are saved at most this often (one small write), and only when a vote of the current height came in.
    private static readonly TimeSpan VoteSaveInterval = TimeSpan.FromMilliseconds(500);

    private readonly Channel<ConsensusMessage> _inbound = Channel.CreateBounded<ConsensusMessage>(new BoundedChannelOptions(InboundCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Channel<(PeerLink Peer, IReadOnlyList<SyncedBlock> Blocks)> _synced = Channel.CreateUnbounded<(PeerLink, IReadOnlyList<SyncedBlock>)>();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly List<EngineAction.SetTimeout> _timers = [];
    private CancellationToken _stopping;
    private long _storeWaitingSince; // Unix ms, 0 when no write waits (StoreWaitingSince)
    private long _storeWriteStarted; // Unix ms of the store write under way, 0 when none
    private readonly Dictionary<Hash256, CandidateBlock> _candidates = [];
    private TendermintEngine _engine = null!;
    private Phase _phase;
    private ulong? _workSince;
    private ulong _lastGossip;
    private ulong _gossipHeight = ulong.MaxValue;
    private int _gossipRound = -1;
    private ulong _lastPoll;
    private ulong _lastProgress;
    private bool _syncWanted;
    private Task? _background;
    private volatile ConsensusStatus? _status;
    private long _droppedInbound;
    private ulong _recoveredFrom = ulong.MaxValue;
    private bool _votesChanged;
    private ulong _votesSavedAt;

    private enum Phase
    {
        /// <summary>A fresh engine waits for work before its first Start.</summary>
        NotStarted,
        /// <summary>Deciding the current height.</summary>
        Running,
        /// <summary>Decided and committed; waits for work before moving on.</summary>
        Decided,
    }

    /// <summary>
    /// How long a block commit is tried again while the ledger's database is out of reach
    /// (<see cref="StoreUnavailableException.IsOutage"/>: a restart, a failover) before the node stops (exit 1, event 1003): 5 minutes.
    /// </summary>
    public static readonly TimeSpan StoreOutageLimit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Since when a write to the ledger store (a block's commit, the voting state) has been waiting for the database to answer
    /// again (<see cref="StoreWrite"/>), or null when none waits: <c>/healthz</c> answers 503 meanwhile.
    /// </summary>
    public DateTimeOffset? StoreWaitingSince
    {
        get
        {
            if (Interlocked.Read(ref _storeWaitingSince) is var ms and > 0) return DateTimeOffset.FromUnixTimeMilliseconds(ms);
            // A write that has not returned for a while: the database hangs rather than refuses (no error yet to retry on).
            return Interlocked.Read(ref _storeWriteStarted) is var started and > 0 && clock.GetUtcNow().ToUnixTimeMilliseconds() - started > (long)StoreHangAfter.TotalMilliseconds
                ? DateTimeOffset.FromUnixTimeMilliseconds(started)
                : null;
        }
    }

    /// <summary>A store write under way for longer than this (5 s) counts as waiting for the database (<see cref="StoreWaitingSince"/>).</summary>
    public static readonly TimeSpan StoreHangAfter = TimeSpan.FromSeconds(5);

    /// <summary>The latest status, or null before the loop starts.</summary>
    public ConsensusStatus? Status => _status;

    /// <summary>Consensus messages dropped because the inbound queue was full.</summary>
    public long DroppedInbound => Interlocked.Read(ref _droppedInbound);

    /// <summary>Queues a message from a peer (already checked for signature and sender by the peer service).</summary>
    public void Deliver(ConsensusMessage message)
    {
        if (_inbound.Writer.TryWrite(message)) _wake.Writer.TryWrite(true);
        else Interlocked.Increment(ref _droppedInbound);
    }

    private long _progressAtMs;
    private int _waiting;
    private int _watching;

    /// <summary>
    /// Since when transactions have waited with no block committed, once that is longer than <paramref name="after"/> (the
    /// commit timeout: writes are then answered 202), else null: a network without a quorum of validators running, or a
    /// proposer that does not propose. Measured from the later of the last commit and the first arrival after the mempool was empty.
    /// </summary>
    public DateTimeOffset? StalledSince(TimeSpan after)
    {
        if (Volatile.Read(ref _watching) == 0 || node.Mempool.Count == 0) return null;
        var since = DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _progressAtMs));
        return clock.GetUtcNow() - since > after ? since : null;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _stopping = stoppingToken;
        peers.Update(node.Validators);
        node.Accepted += peers.Forward;
        node.Mempool.Changed += () =>
        {
            // The first transaction waiting after none did: progress is measured from now, not from the last block.
            if (Interlocked.Exchange(ref _waiting, 1) == 0) Interlocked.Exchange(ref _progressAtMs, clock.GetUtcNow().ToUnixTimeMilliseconds());
            _wake.Writer.TryWrite(true);
        };
        node.BlockCommitted += _ =>
        {
            Interlocked.Exchange(ref _progressAtMs, clock.GetUtcNow().ToUnixTimeMilliseconds());
            if (node.Mempool.Count == 0) Interlocked.Exchange(ref _waiting, 0);
        };
        Interlocked.Exchange(ref _progressAtMs, clock.GetUtcNow().ToUnixTimeMilliseconds());
        Interlocked.Exchange(ref _watching, 1);
        CreateEngine(resume: true);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!Step(stoppingToken)) return;
                var wait = NextWakeUp();
                if (wait > TimeSpan.Zero)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(wait);
                    try
                    {
                        await _wake.Reader.WaitToReadAsync(timeout.Token);
                        _wake.Reader.TryRead(out _);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Core.State.StateValueMismatchException) when (node.StateDamage is { } damage)
        {
            // Met while building or checking a block (a value read on demand): recorded by the node, which stops here.
            Log.StateDamaged(logger, damage);
            Halt($"the ledger was changed outside the node: {damage}");
        }
        finally
        {
            node.Accepted -= peers.Forward;
            if (node.Mempool.Count is var pending and > 0) Log.MempoolDropped(logger, pending);
            // A clean stop keeps the votes received since the last save too.
            try
            {
                if (_votesChanged && _engine is not null) SaveReceivedVotes(Now());
            }
            catch (Exception e) when (StoreUnavailableException.IsOutage(e))
            {
                // The database is out of reach as the node stops: the votes received since the last save are not kept (peers
                // send theirs again; they only speed up a restart mid-height).
            }
            if (_background is not null) await _background.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    // One pass of the loop. False when the node must stop (a commit failed, or the store found by itself that it can no longer
    // write: its checkpoint failed while the node was idle). The loop passes here at least once a second (NextWakeUp).
    private bool Step(CancellationToken ct)
    {
        if (node.Store.WriteFailure is { } failure)
        {
            Log.StoreFailed(logger, failure, node.Tip.Height);
            Halt($"the ledger store refuses writes (event 1005): {failure.Message}");
            return false;
        }
        if (node.StateDamage is { } damage)
        {
            Log.StateDamaged(logger, damage);
            Halt($"the ledger was changed outside the node: {damage}");
            return false;
        }
        var now = Now();
        foreach (var due in _timers.Where(t => t.At <= now).ToList())
        {
            _timers.Remove(due);
            if (!Run(new EngineInput.Timeout(now, due.Height, due.Round, due.Step))) return false;
        }
        var recovering = node.RecoveringTo is not null;
        for (var i = 0; i < 2000 && _inbound.Reader.TryRead(out var message); i++)
        {
            // A node recovering blocks its store lost does not vote: what it signed before was lost with them.
            if (recovering) continue;
            if (_phase != Phase.Running && message.Height == _engine.Height + (_phase == Phase.Decided ? 1ul : 0ul))
            {
                // A peer has started the height: join it.
                if (!Begin(now)) return false;
            }
            if (!Run(new EngineInput.Receive(now, message))) return false;
            if (message.Height == _engine.Height && message.Type is MessageType.Prevote or MessageType.Precommit) _votesChanged = true;
        }
        if (_votesChanged && now - _votesSavedAt >= (ulong)VoteSaveInterval.TotalMilliseconds)
        {
            try
            {
                SaveReceivedVotes(now);
            }
            catch (Exception e) when (StoreUnavailableException.IsOutage(e))
            {
                _votesChanged = true; // kept at the next save, once the database answers again
            }
        }
        while (_synced.Reader.TryRead(out var batch))
        {
            if (!ApplySynced(batch.Peer, batch.Blocks, now)) return false;
        }
        if (recovering && node.RecoveringTo is null)
        {
            Log.Recovered(logger, _recoveredFrom, node.Tip.Height + 1);
            recovering = false;
        }
        if (_phase != Phase.Running && !recovering)
        {
            var pending = node.Mempool.Count;
            if (pending == 0) _workSince = null;
            else
            {
                _workSince ??= now;
                if (pending >= node.Network.Policy.MaxBlockTxs || now - _workSince.Value >= (ulong)options.BatchDelay.TotalMilliseconds)
                {
                    if (!Begin(now)) return false;
                }
            }
        }
        if (peers.Links.Count > 0)
        {
            if (!recovering) Gossip(now);
            PollAndSync(now, ct);
        }
        Publish();
        return true;
    }

    private bool Begin(ulong now)
    {
        var input = _phase == Phase.NotStarted ? (EngineInput)new EngineInput.Start(now) : new EngineInput.Committed(now);
        _phase = Phase.Running;
        _workSince = null;
        return Run(input);
    }

    // Hands one input to the engine and carries out its actions. Everything signed is persisted before anything is sent. When
    // the same input decides (a single node: always, it proposes, votes and decides in one step), the voting state is saved in
    // the block's own storage transaction: one durable write per height instead of two, and still nothing is sent before it.
    // A crash before that write leaves neither the block nor the votes, and nothing of them was sent.
    private bool Run(EngineInput input)
    {
        var actions = _engine.Handle(input);
        SafetyState? persist = null;
        List<ConsensusMessage>? sends = null;
        EngineAction.Decide? decide = null;
        foreach (var action in actions)
        {
            switch (action)
            {
                case EngineAction.Persist p:
                    persist = p.State;
                    break;
                case EngineAction.Broadcast b:
                    (sends ??= []).Add(b.Message);
                    break;
                case EngineAction.SetTimeout t:
                    _timers.Add(t);
                    break;
                case EngineAction.CatchUp:
                    _syncWanted = true;
                    break;
                case EngineAction.Decide d:
                    decide = d;
                    break;
            }
        }
        var state = persist is not null && (persist.Signed.Count > 0 || persist.LockedRound >= 0) ? SafetyStateCodec.Encode(persist) : null;
        if (decide is not null)
        {
            if (!Commit(decide, state)) return false;
        }
        else if (state is not null)
        {
            // Durable before the votes it records are sent (a restart must not sign against them).
            if (!StoreWrite($"saving the voting state at height {_engine.Height}", () => node.Store.SaveConsensusState(state))) return false;
        }
        if (sends is not null)
        {
            foreach (var message in sends) peers.Broadcast(message);
        }
        return true;
    }

    /// <summary>
    /// Why block production stopped the node, when it did (a failed commit, a store that refuses writes, a decided block this
    /// node refuses), or null: the host exits with a failure code then (<c>healthledger up</c>/<c>node</c>: 1), so a service
    /// manager restarting on failure and monitoring see a failure, not a clean stop. The text names no health data.
    /// </summary>
    public string? Halted { get; private set; }

    // " — the disk holding DIR is full …" when a failed write met a full disk (SqliteFileProblem.DiskFull), else "": the disk the
    // ledger file is really on (a link may put it on another disk) first, then the data folder's (the tip record, the log).
    private string FullDisk(Exception error)
    {
        var ledger = new Configuration.DataDirectory(options.DataDirectory).LedgerPath;
        var full = (File.Exists(ledger) ? Storage.SqliteFileProblem.DiskFull(ledger, error) : null) ?? Storage.SqliteFileProblem.DiskFull(options.DataDirectory, error);
        return full is null ? "" : $" — {full}";
    }

    /// <summary>
    /// Stops the node for <paramref name="reason"/> (kept in <see cref="Halted"/>; the first reason wins): block production and
    /// the host stop, and <c>healthledger up</c>/<c>node</c> exits with code 1 naming it. The text must name no health data.
    /// </summary>
    public void Halt(string reason)
    {
        Halted ??= reason;
        node.AbandonWaiters(Halted); // writes waiting for a block are answered now, not at their commit timeout
        lifetime.StopApplication();
    }

    private bool Commit(EngineAction.Decide decide, byte[]? state)
    {
        if (!_candidates.TryGetValue(decide.ValueHash, out var candidate))
        {
            // Decided on a value this node has not validated itself (possible only through the certificate of others).
            var value = BlockValue.TryDecode(decide.Value, node.Network.Policy.MaxTxBytes, node.Network.Policy.MaxBlockTxs, out var error);
            candidate = value is null ? null : node.Validate(value, Now(), out error);
            if (candidate is null)
            {
                Log.ProposalRefused(logger, decide.Height, error ?? "it does not decode");
                Halt($"the network decided block {decide.Height}, which this node refuses: {error ?? "it does not decode"}");
                return false;
            }
        }
        if (!CommitBlock(candidate, CommitCertificate.Encode(decide.Commit), state)) return false;
        if (_phase == Phase.Running) _phase = Phase.Decided;
        // Transactions still waiting have waited through this block already: the next height starts at once.
        if (node.Mempool.Count > 0) _workSince = 0;
        return true;
    }

    private bool CommitBlock(CandidateBlock candidate, byte[] certificate, byte[]? state = null)
    {
        var header = candidate.Built.Block.Header;
        var watch = Stopwatch.StartNew();
        var validatorsChanged = false;
        if (!StoreWrite($"committing block {header.Height}", () => validatorsChanged = node.Commit(candidate, certificate, state))) return false;
        var rejected = candidate.Built.Execution.Receipts.Count(r => r.Verdict != TxVerdict.Ok);
        Log.BlockCommitted(logger, header.Height, header.TxCount, rejected, watch.ElapsedMilliseconds);
        _candidates.Clear();
        _lastProgress = Now();
        if (validatorsChanged)
        {
            Log.ValidatorsChanged(logger, header.Height, node.Validators.Count);
            peers.Update(node.Validators);
            CreateEngine(resume: false);
        }
        return true;
    }

    /// <summary>
    /// Runs a write to the ledger store (a block's commit, the voting state), and runs it again while the database is out of
    /// reach (<see cref="StoreUnavailableException.IsOutage"/>: a restart, a failover; nothing of a failed write was stored),
    /// at growing intervals up to 2 s, for at most <see cref="StoreOutageLimit"/>. False when the node must not go on: the write
    /// failed otherwise or for too long (the node halts, exit 1, event 1003), or the node stops
    /// meanwhile (nothing written; a clean stop, and the height is decided again or fetched from peers at the next start).
    /// </summary>
    private bool StoreWrite(string what, Action write)
    {
        long? outageSince = null;
        long saidAt = 0;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    // Cleared when the write returns; a write that throws stays "under way" until the outage below is marked
                    // (or StoreWrite returns), so /healthz never sees a gap between the two while a block waits.
                    Interlocked.Exchange(ref _storeWriteStarted, clock.GetUtcNow().ToUnixTimeMilliseconds());
                    write();
                    Interlocked.Exchange(ref _storeWriteStarted, 0);
                    if (outageSince is { } since) Log.StoreWriteResumed(logger, what, clock.GetElapsedTime(since).TotalSeconds);
                    return true;
                }
                catch (Exception e) when (StoreUnavailableException.IsOutage(e) && (_stopping.IsCancellationRequested
                    || outageSince is not { } since || clock.GetElapsedTime(since) < StoreOutageLimit))
                {
                    var reason = FirstLine(e.Message);
                    if (outageSince is null)
                    {
                        Interlocked.Exchange(ref _storeWaitingSince, clock.GetUtcNow().ToUnixTimeMilliseconds());
                        outageSince = saidAt = clock.GetTimestamp();
                        Log.StoreWriteWaits(logger, what, reason, StoreOutageLimit.TotalMinutes);
                    }
                    else if (clock.GetElapsedTime(saidAt) >= TimeSpan.FromMinutes(1))
                    {
                        Log.StoreWriteStillWaits(logger, what, clock.GetElapsedTime(outageSince.Value).TotalSeconds, reason, StoreOutageLimit.TotalMinutes);
                        saidAt = clock.GetTimestamp();
                    }
                    if (_stopping.IsCancellationRequested || _stopping.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(100 << Math.Min(attempt, 5), 2_000))))
                    {
                        Log.StoreWriteAbandoned(logger, what, node.Tip.Height);
                        return false;
                    }
                }
                catch (BlockStoredException e)
                {
                    // The block is committed (applied, its submitters answered); only what the store writes after it failed.
                    Log.CommitFailed(logger, e.InnerException, $"recording block {e.Height} after its commit", FirstLine(e.Message));
                    Halt($"recording block {e.Height} after its commit failed (event 1003): {FirstLine(e.Message)}{FullDisk(e)}");
                    return false;
                }
                catch (Exception e)
                {
                    // An outage that lasted too long is said in words (no stack trace); anything else with its exception.
                    var outage = outageSince is { } since && StoreUnavailableException.IsOutage(e)
                        ? $"the ledger's database did not answer for {clock.GetElapsedTime(since).TotalSeconds:0} s: " : "";
                    Log.CommitFailed(logger, outage.Length > 0 ? null : e, what, outage + FirstLine(e.Message));
                    Halt($"{what} failed (event 1003): {outage}{FirstLine(e.Message)}{FullDisk(e)}");
                    return false;
                }
            }
        }
        finally
        {
            Interlocked.Exchange(ref _storeWaitingSince, 0);
            Interlocked.Exchange(ref _storeWriteStarted, 0);
        }
    }

    // The first line of a message (a PostgreSQL error's carries its detail and position on the lines after it).
    private static string FirstLine(string message) => message.AsSpan().IndexOfAny('\r', '\n') is var end and >= 0 ? message[..end] : message;

    // A fresh engine for the height after the tip: the persisted voting state when it is for that height (a restart mid-height).
    private void CreateEngine(bool resume)
    {
        var height = node.Tip.Height + 1;
        if (node.RecoveringTo is { } recorded)
        {
            // The saved voting state went with the lost blocks: nothing is resumed, nothing is started until recovered.
            resume = false;
            if (_recoveredFrom != recorded.Height) Log.Recovering(logger, node.Tip.Height, recorded.Height);
            _recoveredFrom = recorded.Height;
        }
        // A saved state that does not decode was refused at start (LedgerNode.Open); it is never reset silently.
        var saved = resume && node.Store.ReadConsensusState() is { } bytes ? SafetyStateCodec.TryDecode(bytes) : null;
        var state = saved is { } s && s.Height == height ? s : SafetyState.Fresh(height);
        _engine = new TendermintEngine(node.Network.NetworkId, node.Validators.Select(v => v.SigningKey).ToList(), node.NodeKey,
            Propose, IsValid, value => BlockValue.HashOf(value), options.ConsensusTimeouts, state);
        _timers.Clear();
        _candidates.Clear();
        _phase = Phase.NotStarted;
        _lastProgress = Now();
        var voting = node.Validators.Any(v => v.SigningKey == node.NodeKey.PublicKey) ? "votes"
            : node.IsObserver ? "is a non-voting observer" : "does not vote";
        Log.ConsensusStarting(logger, node.Validators.Count, voting, height, state.Round);
        // A node that signed something at this height before a restart resumes at once (its peers may be waiting for it).
        if (state.Signed.Count > 0) Begin(Now());
        // The votes it held for this height before a restart come back as if received (checked again), so it relays them.
        if (resume && node.Store.ReadReceivedVotes() is { } kept && ReceivedVotesCodec.TryDecode(kept) is { } votes && votes.Height == height)
        {
            foreach (var vote in votes.Votes) Deliver(vote);
            Log.ReceivedVotesRestored(logger, votes.Votes.Count, height);
        }
    }

    private byte[] Propose(ulong height)
    {
        var candidate = node.Build(Now(), node.Network.Policy.MaxBlockTxs);
        var value = new BlockValue(candidate.Built.Block, candidate.CarriedBlobs).Encode();
        _candidates[candidate.Built.Block.Header.Hash] = candidate;
        return value;
    }

    private bool IsValid(ulong height, byte[] bytes)
    {
        // A value this node built or validated already (its own proposal, above all) is known by its header hash, the value's
        // identity in consensus (BlockValue.HashOf): what commits is the candidate held here, so it is not decoded again.
        if (_candidates.ContainsKey(BlockValue.HashOf(bytes))) return true;
        var value = BlockValue.TryDecode(bytes, node.Network.Policy.MaxTxBytes, node.Network.Policy.MaxBlockTxs, out var error);
        var candidate = value is null ? null : node.Validate(value, Now(), out error);
        if (candidate is null)
        {
            Log.ProposalRefused(logger, height, error ?? "it does not decode");
            return false;
        }
        _candidates[candidate.Built.Block.Header.Hash] = candidate;
        return true;
    }

    // Re-sends what the engine holds of a height and round that have not moved for a while (lost messages, a peer that
    // restarted, a vote an equivocating or withholding validator sent to some nodes only): its own messages, the votes of
    // others it relays and the previous decision (TendermintEngine.Gossip, bounded per round). Every peer re-checks signatures.
    private void Gossip(ulong now)
    {
        if (_engine.Height != _gossipHeight || _engine.Round != _gossipRound)
        {
            _gossipHeight = _engine.Height;
            _gossipRound = _engine.Round;
            _lastGossip = now;
            return;
        }
        if (now - _lastGossip < (ulong)GossipInterval.TotalMilliseconds) return;
        _lastGossip = now;
        foreach (var message in _engine.Gossip()) peers.Broadcast(message);
    }

    // Keeps the votes the engine holds for its height (those it relays: bounded) in the store, so that after a restart this
    // node re-gossips them instead of depending on its peers to send them back (a vote only it received would be lost).
    private void SaveReceivedVotes(ulong now)
    {
        _votesChanged = false;
        _votesSavedAt = now;
        node.Store.SaveReceivedVotes(ReceivedVotesCodec.Encode(_engine.Height, _engine.Gossip()));
    }

    // Polls peers' heights every second in the background; fetches blocks when a peer is ahead and this node is not catching up by itself.
    private void PollAndSync(ulong now, CancellationToken ct)
    {
        if (_background is { IsCompleted: false }) return;
        var tip = node.Tip.Height;
        var ahead = peers.Links.Where(l => l.Connected && l.Height > tip).Select(l => l.Height!.Value).DefaultIfEmpty(0ul).Max();
        var stalled = now - _lastProgress > 2 * (ulong)PollInterval.TotalMilliseconds || node.RecoveringTo is not null;
        // A non-voting observer receives no consensus messages (no validator dials it), so it fetches as soon as a peer is ahead.
        if (_syncWanted || ahead > tip + 1 || (ahead > tip && (stalled || node.IsObserver)))
        {
            _syncWanted = false;
            _background = Task.Run(async () =>
            {
                if (await peers.FetchBlocksAsync(tip + 1, SyncBatch, ct) is { } fetched)
                {
                    await _synced.Writer.WriteAsync(fetched, ct);
                    _wake.Writer.TryWrite(true);
                }
            }, ct);
            return;
        }
        if (now - _lastPoll < (ulong)PollInterval.TotalMilliseconds) return;
        _lastPoll = now;
        _background = Task.Run(async () =>
        {
            await peers.PollAsync(ct);
            _wake.Writer.TryWrite(true);
        }, ct);
    }

    // Blocks from a peer: each must carry a certificate of a quorum of current validators for its hash and re-execute to its state root.
    private bool ApplySynced(PeerLink peer, IReadOnlyList<SyncedBlock> blocks, ulong now)
    {
        var applied = 0;
        foreach (var synced in blocks)
        {
            var value = BlockValue.TryDecode(synced.Value.Span, node.Network.Policy.MaxTxBytes, node.Network.Policy.MaxBlockTxs, out var error);
            if (value is null)
            {
                Log.SyncRefused(logger, node.Tip.Height + 1, peer.Node.Id, error ?? "it does not decode");
                break;
            }
            var header = value.Block.Header;
            if (header.Height <= node.Tip.Height) continue;
            var certificate = synced.Certificate.ToByteArray();
            var candidate = node.ValidateSynced(value, certificate, now, out error);
            if (candidate is null)
            {
                Log.SyncRefused(logger, header.Height, peer.Node.Id, error!);
                break;
            }
            if (!CommitBlock(candidate, certificate)) return false;
            Log.BlockSynced(logger, header.Height, peer.Node.Id);
            applied++;
        }
        if (applied > 0)
        {
            CreateEngine(resume: false);
            _syncWanted = true; // there may be more
        }
        return true;
    }

    private TimeSpan NextWakeUp()
    {
        var now = Now();
        var next = now + 1000;
        foreach (var t in _timers) next = Math.Min(next, t.At);
        if (_phase != Phase.Running && _workSince is { } since) next = Math.Min(next, since + (ulong)options.BatchDelay.TotalMilliseconds);
        if (peers.Links.Count > 0) next = Math.Min(next, now + 250);
        if (_synced.Reader.Count > 0 || _inbound.Reader.Count > 0) return TimeSpan.Zero;
        return TimeSpan.FromMilliseconds(next > now ? next - now : 0);
    }

    private void Publish()
    {
        var validators = node.Validators;
        var proposer = _engine.Proposer(_engine.Height, _engine.Round);
        var leader = validators.FirstOrDefault(v => v.SigningKey == proposer)?.Id ?? proposer.ToString();
        var step = node.RecoveringTo is not null ? "recovering" : _phase == Phase.Running ? _engine.Step.ToString().ToLowerInvariant() : "idle";
        _status = new ConsensusStatus(_engine.Height, _engine.Round, step, leader, validators.Count,
            _engine.Voters(MessageType.Prevote), _engine.Voters(MessageType.Precommit), _engine.Stats);
    }

    private ulong Now() => (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds();
}
