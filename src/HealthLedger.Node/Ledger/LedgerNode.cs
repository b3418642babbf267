using System.Collections.Concurrent;
using System.Globalization;
using HealthLedger.Consensus;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Verification;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;

namespace HealthLedger.Node.Ledger;

/// <summary>
/// A running node's ledger: the store, the in-memory world state, the node key, the mempool and the commit path.
/// Opening it runs the start-up integrity check; a store that fails it is refused.
/// </summary>
public sealed class LedgerNode : IDisposable
{
    private readonly ILedgerStore _store;
    private readonly WorldState _state;
    private readonly ReaderWriterLockSlim _stateLock = new();
    private readonly SigningKeyPair _nodeKey;
    private readonly ConcurrentDictionary<Hash256, TaskCompletionSource<CommittedTransaction>> _waiters = new();
    private long _appliedHeight = -1;

    private FileStream? _lock;
    private bool _disposed;

    private LedgerNode(ILedgerStore store, WorldState state, NetworkConfig network, BlockHeader tip, SigningKeyPair nodeKey, string nodeId, NodeOptions options,
        IReadOnlyList<DocumentRef> missingDocuments)
    {
        _store = store;
        _state = state;
        Network = network;
        Tip = tip;
        _appliedHeight = (long)tip.Height;
        _nodeKey = nodeKey;
        NodeId = nodeId;
        Mempool = new Mempool(options.MempoolCapacity);
        VerifiedSignatures = new VerifiedSignatures(2 * options.MempoolCapacity);
        Validators = ValidatorSet.Read(state);
        Observers = ValidatorSet.ReadObservers(state);
        MissingDocuments = missingDocuments;
    }

    /// <summary>The voting nodes that decide the next block (the set in the state after the tip), in id order.</summary>
    public IReadOnlyList<NodeRecord> Validators { get; private set; }

    /// <summary>
    /// The end of what a write waiting here is told when this node stops deciding blocks: in a network of several validators
    /// the others may still commit it; where this node is the only one, nothing will (its mempool ends with it).
    /// </summary>
    public string StoppedWriteFate => Validators.Count > 1
        ? "; the network's other nodes may still commit it."
        : "; it is not committed (this node is the network's only validator): send it again once the node runs.";

    /// <summary>
    /// The non-voting observer nodes in the state after the tip (<see cref="StateKeys.Observers"/>), in id order: peers may
    /// call this node to sync blocks, fetch documents and forward transactions, but their consensus messages are refused.
    /// </summary>
    public IReadOnlyList<NodeRecord> Observers { get; private set; }

    /// <summary>True when this node is a non-voting observer (it replicates and serves, never votes).</summary>
    public bool IsObserver => Observers.Any(o => o.SigningKey == _nodeKey.PublicKey);

    /// <summary>Documents the chain references that this node did not hold at start (a multi-node network replicates them from peers).</summary>
    public IReadOnlyList<DocumentRef> MissingDocuments { get; }

    /// <summary>This node's signing key (consensus messages, blocks, node transactions).</summary>
    internal SigningKeyPair NodeKey => _nodeKey;

    /// <summary>The network's configuration.</summary>
    public NetworkConfig Network { get; }

    /// <summary>This node's id.</summary>
    public string NodeId { get; private set; }

    /// <summary>
    /// A folder made by <c>healthledger join</c> holds this marker until the chain, synced from peers, names the node's key:
    /// until then it runs without a vote (a node added to the network after genesis learns its id from the blocks it syncs).
    /// </summary>
    public const string JoiningMarker = "joining";

    private string? _joiningMarker;

    /// <summary>
    /// Why the start-up check's record of what an earlier check verified (<see cref="CheckedPrefix"/>, <c>ledger.checked</c>)
    /// existed but was not used (so this start verified everything again), for the log; null when it was used or absent.
    /// </summary>
    public string? UnusableCheckedRecord { get; private init; }

    /// <summary>
    /// When the start-up check took blocks on trust from the earlier check's record: the height up to which it did
    /// (<c>Through</c>) and the tip at start (<c>Tip</c>), which the integrity sweep (<c>Network/IntegritySweep</c>) re-checks
    /// from genesis to; null when the start read every block.
    /// </summary>
    public (ulong Through, ulong Tip)? TrustedAtStart { get; private init; }

    private string? _checkedRecordLedgerPath;

    /// <summary>
    /// True when the start-up check took the world state's tree from <c>ledger.tree</c> (<see cref="StateTreeFile"/>, kept at
    /// the last clean stop) instead of hashing every state entry; <c>Network/IntegritySweep</c> hashes them once the node runs.
    /// </summary>
    public bool StateTakenOnTrust { get; private init; }

    private (TrustedState State, BlockHeader At)? _stateOnTrust;
    private readonly Lock _stateOnTrustLock = new();

    /// <summary>
    /// With <see cref="StateTakenOnTrust"/>: the view of the store the start loaded the state from, still open, with the tree
    /// it took on trust and the tip block they are the state after, handed once to the integrity sweep (which reads the same
    /// rows again and checks them against that tree, and then disposes the view; the node holds neither the rows nor their
    /// hashes until then); null after that or otherwise. A view not taken is disposed with the node.
    /// </summary>
    public (TrustedState State, BlockHeader At)? TakeStateOnTrust()
    {
        lock (_stateOnTrustLock)
        {
            var taken = _stateOnTrust;
            _stateOnTrust = null;
            return taken;
        }
    }

    /// <summary>Why <c>ledger.tree</c> existed but was not used (so the start hashed every state entry), for the log; null otherwise.</summary>
    public string? UnusableStateTree { get; private init; }

    /// <summary>
    /// Removes the start-up check's record (<c>ledger.checked</c>) and the kept state tree (<c>ledger.tree</c>), so that the
    /// next start verifies every block and hashes every state entry again: the integrity sweep calls it when it finds damage
    /// the start took on trust. A file that cannot be removed is left (an I/O or access error propagates).
    /// </summary>
    public void ForgetCheckedRecord()
    {
        if (_checkedRecordLedgerPath is not { } path) return;
        _keepNoStateTree = true; // nor at the stop that follows
        StateTreeFile.Delete(path);
        CheckedPrefix.Delete(path);
    }

    private volatile bool _keepNoStateTree;

    /// <summary>
    /// The file beside the ledger (<c>ledger.damaged</c>) in which a failed integrity sweep records what it found: while it
    /// exists the node refuses to start. Removing it is the operator's decision (after restoring the data folder, or after
    /// <c>healthledger verify</c> passes on a ledger they mean to keep).
    /// </summary>
    public const string DamageFileName = "ledger.damaged";

    private static string DamagePath(string ledgerPath) => Path.ChangeExtension(Path.GetFullPath(ledgerPath), ".damaged");

    /// <summary>
    /// Records what the integrity sweep found (<paramref name="issue"/>: heights, hashes, keys and ids, no health data) in
    /// <see cref="DamageFileName"/>, fsynced, so that every later start refuses until an operator removes it: a block committed
    /// after the start may have rewritten a changed state row, after which a fresh check would find nothing.
    /// </summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    public void RecordDamage(string issue) => RecordDamage(issue, "the integrity sweep");

    private void RecordDamage(string issue, string finder)
    {
        ArgumentNullException.ThrowIfNull(issue);
        if (_checkedRecordLedgerPath is not { } path) return;
        DurableFile.Replace(DamagePath(path), System.Text.Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:O} {finder} found the ledger changed outside the node: {issue}\n")));
    }

    /// <summary>The last committed header.</summary>
    public BlockHeader Tip { get; private set; }

    /// <summary>Transactions waiting for a block.</summary>
    public Mempool Mempool { get; }

    /// <summary>The ledger store (reads only outside the node).</summary>
    public ILedgerStore Store => _store;

    /// <summary>
    /// Opens the node's data folder and checks it with <see cref="StoreVerifier"/> in <see cref="VerifyMode.Quick"/>: every
    /// block's header hash, previous-hash link, timestamp and proposer signature, every transaction id and transaction root,
    /// every receipts root, the full world state against the last block's state root, the record ciphertexts and documents.
    /// Blocks up to the point the previous start's check recorded (<see cref="CheckedPrefix"/>) are taken on trust while the
    /// block there keeps its hash (<see cref="TrustedAtStart"/>); <c>Network/IntegritySweep</c> re-checks them once the node runs.
    /// Throws <see cref="LedgerIntegrityException"/> naming the first problem. <paramref name="progress"/>, when given, hears
    /// one line as the check starts and one with its duration and size (a start on a long history takes a while).
    /// </summary>
    public static LedgerNode Open(NodeOptions options, Action<string>? progress = null)
    {
        var data = new DataDirectory(options.DataDirectory);
        if (!data.HasNetwork) throw new LedgerIntegrityException($"{data.Root} holds no network; run 'healthledger init' first.");
        ILedgerStore? store = null;
        SigningKeyPair? nodeKey = null;
        TrustedState? viewOnTrust = null;
        var exclusive = AcquireLock(data);
        try
        {
            var location = data.Ledger;
            store = location.Open(create: false, new LedgerStoreOptions { DurableCommits = options.DurableCommits });
            var seed = DataDirectory.ReadSecret(data.NodeKeyPath, 32);
            nodeKey = SigningKeyPair.FromSeed(seed);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
            RefuseRecordedDamage(location.LedgerPath);
            var recovering = Recoverable(store);
            progress?.Invoke("Checking the ledger (the start-up integrity check)...");
            var checking = System.Diagnostics.Stopwatch.StartNew();
            var (state, network, tip, missing, trusted, stateOnTrust) = CheckIntegrity(store, location, checkTipRecord: recovering is null, out var unusableCheckedRecord,
                out var unusableStateTree);
            viewOnTrust = stateOnTrust;
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"Ledger checked in {checking.Elapsed.TotalSeconds:0.0} s: {tip.Height + 1:N0} block{(tip.Height == 0 ? "" : "s")}, {state.Count:N0} state entries."));
            CheckVotingState(store, location, tip.Height);
            var marker = Path.Combine(data.Root, JoiningMarker);
            var nodeId = NodeIdOf(state, nodeKey.PublicKey);
            if (nodeId is null && !File.Exists(marker))
            {
                throw new LedgerIntegrityException($"This node's key {nodeKey.PublicKey} is not a node of network '{network.NetworkId}' (a wrong or replaced keys/node.key?).");
            }
            if (nodeId is not null && File.Exists(marker)) File.Delete(marker);
            var node = new LedgerNode(store, state, network, tip, nodeKey, nodeId ?? "joining-" + nodeKey.PublicKey.ToString()[..12], options, missing)
            {
                _lock = exclusive,
                _joiningMarker = nodeId is null ? marker : null,
                RecoveringTo = recovering,
                UnusableCheckedRecord = unusableCheckedRecord,
                UnusableStateTree = unusableStateTree,
                StateTakenOnTrust = stateOnTrust is not null,
                _stateOnTrust = stateOnTrust is null ? null : (stateOnTrust, tip),
                TrustedAtStart = trusted is { } through ? (through, tip.Height) : null,
                _checkedRecordLedgerPath = location.LedgerPath,
            };
            // Before anything reads the state: the check loaded the on-demand prefixes' keys without their values (with a kept
            // tree), so the whole state's values are never held at once (docs/benchmarks.md, "The start's peak").
            node.ReadStateValuesOnDemand();
            return node;
        }
        catch (Exception e) when (e is StoreCorruptException or InvalidDataException)
        {
            viewOnTrust?.Dispose();
            store?.Dispose();
            nodeKey?.Dispose();
            exclusive.Dispose();
            throw new LedgerIntegrityException(e.Message);
        }
        catch
        {
            viewOnTrust?.Dispose();
            store?.Dispose();
            nodeKey?.Dispose();
            exclusive.Dispose();
            throw;
        }
    }

    private static void RefuseRecordedDamage(string ledgerPath)
    {
        var path = DamagePath(ledgerPath);
        if (!File.Exists(path)) return;
        string recorded;
        try
        {
            recorded = File.ReadLines(path).FirstOrDefault()?.Trim() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            recorded = $"({path} cannot be read: {e.GetType().Name})";
        }
        throw new LedgerIntegrityException(
            $"An earlier run recorded damage in {path}: {(recorded.Length > 0 ? recorded : "(empty)")}. The node does not start on this ledger. " +
            "Restore the whole data folder from a backup (a node of a network of several: rebuild it from its peers with 'healthledger join'); " +
            $"only if you mean to keep this ledger, run 'healthledger verify' on it and then remove {path}.");
    }

    private static string? NodeIdOf(IStateReader state, SigningPublicKey key) =>
        state.TryGet(StateKeys.Signer(key), out var bytes) && SignerRecord.TryDecode(bytes) is { Kind: SignerKind.Node } signer ? signer.Id : null;

    /// <summary>One process per data folder: holds <c>node.lock</c> exclusively while the node runs.</summary>
    private const int IoError = 5, NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122;

    private static FileStream AcquireLock(DataDirectory data)
    {
        try
        {
            OwnerOnly.CreateDirectory(data.Root); // tightens a folder made before data folders were owner-only
            return new FileStream(data.LockPath, OwnerOnly.NewFile(FileMode.OpenOrCreate, FileAccess.ReadWrite));
        }
        catch (IOException e) when (e.HResult is ReadOnlyFileSystem or NoSpace or QuotaExceeded or IoError)
        {
            // The disk, not another process (Linux errno: EROFS 30, ENOSPC 28, EDQUOT 122, EIO 5).
            var why = Storage.SqliteFileProblem.NoRoom(data.Root) ?? "check the disk holding it (mounted read-only, full, out of inodes or failing)";
            throw new LedgerIntegrityException($"{data.Root} cannot be written ({e.Message.TrimEnd('.')}): the node keeps node.lock and its files there; " +
                $"{why}. Its content is not in question.");
        }
        catch (IOException)
        {
            throw new LedgerIntegrityException($"Another HealthLedger process is using {data.Root} (node.lock is held); stop it first.");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LedgerIntegrityException($"{data.Root} cannot be written by this user ({Environment.UserName}): the node keeps node.lock and its " +
                $"files there ({e.Message}). Check the folder's owner and mode; its content is not in question.");
        }
    }

    // A node of a network whose store holds blocks but ends below its tip record (a lost or damaged write-ahead log) recovers the
    // missing blocks from its peers by block sync instead of being refused. A single node, an empty store, a missing or damaged
    // record, or a store that holds another block at the recorded height is refused by the start-up check.
    private static LedgerTip? Recoverable(ILedgerStore store)
    {
        LedgerTip? recorded;
        try
        {
            recorded = store.ReadRecordedTip();
        }
        catch (InvalidDataException)
        {
            return null;
        }
        if (recorded is null || store.TipHeight is not { } last || last >= recorded.Height) return null;
        return ValidatorCount(store) > 1 ? recorded : null;
    }

    private static int ValidatorCount(ILedgerStore store) =>
        store.ReadStateValue(StateKeys.Validators) is { } ids ? ValidatorSet.TryDecodeIds(ids)?.Count ?? 1 : 1;

    /// <summary>
    /// Set while this node, one of a network, recovers committed blocks its store lost (it ended below its tip record at start):
    /// the recorded tip it must reach again by block sync. Until a block after it arrives the node does not vote (what it signed
    /// at the next height was lost with the store), and the block synced at the recorded height must carry the recorded hash.
    /// Null once recovered, and for a node whose store was whole.
    /// </summary>
    public LedgerTip? RecoveringTo { get; private set; }

    // Every block after genesis carries the certificate that decided it; the start-up check has no validator set per height.
    internal static string? CheckCertificate(string networkId, ulong height, Hash256 hash, IReadOnlyList<SigningPublicKey> validators, byte[]? certificate) =>
        certificate is null ? "no commit certificate is stored with it"
        : validators.Count == 0 ? Consensus.CommitCertificate.CheckIntegrity(certificate, networkId, height, hash)
        : Consensus.CommitCertificate.Check(certificate, networkId, height, hash, validators);

    // What the node signed at the height it was deciding must survive restarts: a damaged record of it is never reset silently
    // (starting afresh could sign a second, conflicting vote at that height: double signing).
    private static void CheckVotingState(ILedgerStore store, LedgerLocation location, ulong tip)
    {
        if (store.ReadConsensusState() is not { } saved || Consensus.SafetyStateCodec.TryDecode(saved) is not null) return;
        var (where, remove) = location.IsPostgres
            ? ($"the {location}", "psql: DELETE FROM consensus;")
            : (SqliteLedgerStore.FileName, "sqlite3 ledger.db \"DELETE FROM consensus\"");
        throw new LedgerIntegrityException(
            $"The node's consensus voting state (table 'consensus' in {where}) is damaged: it does not decode or its checksum does not match. " +
            $"Starting without it could make this node sign a second, conflicting vote at height {tip + 1} (double signing), so the node did not start. " +
            $"Restore the data folder{(location.IsPostgres ? " and the database" : "")} from a backup; or, only once the network has committed a block after height {tip + 1} (or for a single node), " +
            $"remove it with: {remove} and start again.");
    }

    // The start-up check is StoreVerifier's quick mode; a store that fails it is refused, nothing is repaired. Uploads whose
    // transaction never committed (a crash between the two) are then set aside, not deleted.
    private static (WorldState State, NetworkConfig Network, BlockHeader Tip, IReadOnlyList<DocumentRef> Missing, ulong? TrustedThrough,
        TrustedState? StateOnTrust) CheckIntegrity(
        ILedgerStore store, LedgerLocation location, bool checkTipRecord, out string? unusableCheckedRecord, out string? unusableStateTree)
    {
        // What the last passing start-up check verified (blocks, their ciphertexts, document bytes) is not read again while the
        // block it ends at is still stored with its hash (StoreVerifier, CheckedPrefix): the start costs the blocks and documents
        // added since, the recent blocks and the world state; the integrity sweep re-checks the rest once the node runs.
        var documents = new DocumentStore(location.DocumentsPath);
        string? unusableTree = null;
        var report = StoreVerifier.Verify(store, documents, VerifyMode.Quick, certificates: CheckCertificate, checkTipRecord: checkTipRecord,
            checkedBefore: CheckedPrefix.Read(location.LedgerPath, out unusableCheckedRecord),
            keptTree: tip => StateTreeFile.Read(location.LedgerPath, tip, static (count, body) => Parallel.For(0, count, body), out unusableTree),
            valuesOnDemand: OnDemandPrefixes, keptTreeMatches: tip => StateTreeFile.Matches(location.LedgerPath, tip, out unusableTree));
        if (report.Issue is { } issue && report.TipProblem)
        {
            var folder = location.DataFolder;
            var remedy = ValidatorCount(store) > 1
                ? "This node is one of a network: rebuild it from its peers with 'healthledger join' into a new folder (its keys from " +
                  "key-backups/ or this folder's keys/; docs/operations.md, 'Rebuilding a node') instead of running it on this ledger."
                : (store is PostgresLedgerStore
                    ? "First check that node.json's store names this node's own database (not another network's or a copy): --accept-tip " +
                      "accepts whatever ledger the database holds. "
                    : "") +
                  $"Restore the whole data folder from a backup that holds these blocks. Only if you mean to accept this ledger as it is " +
                  $"(the missing blocks are then lost), run 'healthledger verify --data {folder} --accept-tip'.";
            throw new LedgerIntegrityException($"The ledger failed its start-up integrity check: {issue}. The node did not start and nothing was changed. {remedy}");
        }
        if (report.Issue is { } other)
        {
            throw new LedgerIntegrityException(
                $"The ledger failed its start-up integrity check: {other}. Nothing was repaired; run 'healthledger verify' for a full report.");
        }
        documents.MoveOrphans(report.KeptDocuments);
        if (report.Checked is { } verified)
        {
            try
            {
                CheckedPrefix.Write(location.LedgerPath, verified);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A cache only: without it the next start-up check verifies everything again.
            }
        }
        unusableStateTree = report.StateTakenOnTrust ? null : unusableTree;
        return (report.State!, report.Network!, report.Tip!, report.MissingDocuments, report.TrustedThrough, report.StateOnTrust);
    }

    /// <summary>Door checks: encoding, size, signature, known signer, fresh nonce, no duplicate. Accepted ones enter the mempool.</summary>
    public SubmitResult Submit(ReadOnlySpan<byte> raw) => Submit(raw, null);

    /// <summary>
    /// As <see cref="Submit(ReadOnlySpan{byte})"/>, with the ciphertexts of the records the transaction writes. Each must
    /// match its reference (SHA-256 and length) or be stored already.
    /// </summary>
    public SubmitResult Submit(ReadOnlySpan<byte> raw, IReadOnlyDictionary<Hash256, byte[]>? blobs)
    {
        var decoded = Decode(raw, out var tx);
        return decoded is not null ? decoded : Admit(tx!, tx!.VerifySignature(Network.NetworkId), blobs, fromPeer: false);
    }

    /// <summary>
    /// The door checks of <see cref="Submit(ReadOnlySpan{byte})"/> for many transactions at once, in order: the signatures are
    /// verified in parallel over all cores (<see cref="ParallelSignatures"/>), then each transaction is admitted in turn, so one
    /// signer's consecutive nonces may follow each other within a batch. Each gets its own verdict (one index per entry); a bad
    /// one does not stop the others.
    /// </summary>
    public IReadOnlyList<SubmitResult> SubmitBatch(IReadOnlyList<ReadOnlyMemory<byte>> raws) => SubmitBatch(raws, null, fromPeer: false);

    /// <summary>
    /// Raised when a transaction submitted to this node (not forwarded by a peer) enters the mempool: the network forwards it.
    /// Raised under the mempool's lock, in admission order (a signer's nonces in order); handlers must be quick (queue, not send).
    /// </summary>
    public event Action<PendingTransaction>? Accepted;

    /// <summary>
    /// Transactions another node accepted and forwarded, each with its record ciphertexts (same index): the same door checks
    /// as <see cref="SubmitBatch(IReadOnlyList{ReadOnlyMemory{byte}})"/>, and they are not forwarded again.
    /// </summary>
    internal IReadOnlyList<SubmitResult> SubmitFromPeer(IReadOnlyList<ReadOnlyMemory<byte>> raws, IReadOnlyList<IReadOnlyDictionary<Hash256, byte[]>> blobs) =>
        SubmitBatch(raws, blobs, fromPeer: true);

    private IReadOnlyList<SubmitResult> SubmitBatch(IReadOnlyList<ReadOnlyMemory<byte>> raws, IReadOnlyList<IReadOnlyDictionary<Hash256, byte[]>>? blobs, bool fromPeer)
    {
        ArgumentNullException.ThrowIfNull(raws);
        var refusals = new SubmitResult?[raws.Count];
        var transactions = new Transaction?[raws.Count];
        for (var i = 0; i < raws.Count; i++) refusals[i] = Decode(raws[i].Span, out transactions[i]);
        var verified = ParallelSignatures.Verify(transactions, Network.NetworkId);
        var results = new SubmitResult[raws.Count];
        for (var i = 0; i < raws.Count; i++)
        {
            results[i] = refusals[i] ?? Admit(transactions[i]!, verified[i], blobs?[i], fromPeer);
        }
        return results;
    }

    // The checks that need neither state nor signature: encoding, size, kind. Null when the transaction may go on to the signature check.
    private SubmitResult? Decode(ReadOnlySpan<byte> raw, out Transaction? tx)
    {
        var decoded = Transaction.TryDecode(raw, Network.Policy.MaxTxBytes, out tx);
        if (!decoded.IsOk) return new SubmitResult(decoded, null);
        if (tx!.Kind == TxKind.Genesis)
        {
            var id = tx.Id;
            tx = null;
            return new SubmitResult(TxResult.Reject(TxVerdict.WrongPlace, "genesis is only valid as the first transaction of block 0"), id);
        }
        return null;
    }

    // The rest of the door, after the signature was verified (signatureOk): ciphertexts, then signer and nonce under the mempool's lock.
    private SubmitResult Admit(Transaction tx, bool signatureOk, IReadOnlyDictionary<Hash256, byte[]>? blobs, bool fromPeer)
    {
        if (!signatureOk)
        {
            return new SubmitResult(TxResult.Reject(TxVerdict.BadSignature, $"signature does not verify for signer {tx.Signer} on network '{Network.NetworkId}'"), tx.Id);
        }
        var attached = new Dictionary<Hash256, byte[]>();
        foreach (var record in tx.Payload.Records)
        {
            if (blobs is not null && blobs.TryGetValue(record.CiphertextHash, out var data))
            {
                if (!RecordBlobChecks.Matches(record.CiphertextHash, record.Length, data))
                {
                    return new SubmitResult(TxResult.Reject(TxVerdict.InvalidField, $"record ciphertext {record.CiphertextHash} does not match its reference"), tx.Id);
                }
                attached[record.CiphertextHash] = data;
            }
            else if (_store.ReadBlob(record.CiphertextHash) is null)
            {
                // A transaction already on the chain (a refused one too: its ciphertexts were never stored) sent again is stale,
                // whatever it lacks: said so, not "not supplied", which suggested that sending the ciphertext would let it in.
                var signer = ReadState(state => SignerCheck.Check(state, tx, out _));
                return new SubmitResult(signer.IsOk ? TxResult.Reject(TxVerdict.InvalidField, $"record ciphertext {record.CiphertextHash} was not supplied") : signer, tx.Id);
            }
        }
        var pending = new PendingTransaction(tx, attached);
        // Forwarded under the mempool's lock, in admission order: raised after the lock, two writes of one signer's lane
        // racing each other could be forwarded N+1 first; a peer proposing N+1 alone then commits it and N is refused as
        // stale (BadNonce) at commit, having written nothing.
        var result = Mempool.TryAdd(pending, pendingNonce => ReadState(state => SignerCheck.Check(state, tx, out _, pendingNonce)), fromPeer ? null : Accepted);
        // Verified here and waiting for a block: its block's validation on this node need not verify it again.
        if (result.IsOk) VerifiedSignatures.Add(tx.Id);
        return new SubmitResult(result, tx.Id);
    }

    /// <summary>
    /// The transactions waiting here whose signatures this node verified at its door (<see cref="Ledger.VerifiedSignatures"/>):
    /// <see cref="Validate"/> does not verify them again. Forgotten as their block commits.
    /// </summary>
    public VerifiedSignatures VerifiedSignatures { get; }

    private readonly SemaphoreSlim _nodeSigning = new(1, 1);

    /// <summary>Signs a transaction with the node's own key (node duties such as disclosure records), submits it and waits for its commit.</summary>
    public async Task<CommittedTransaction> SubmitAsNodeAsync(TxPayload payload, CancellationToken ct)
    {
        var committed = await SubmitAsNodeAsync(payload, null, ct);
        return committed.Receipt.Verdict == TxVerdict.Ok ? committed : throw new InvalidOperationException($"The node's own transaction was rejected: {committed.Receipt.Reason}");
    }

    /// <summary>
    /// Signs a transaction with the node's own key, submits it with the ciphertexts of the records it writes
    /// (<paramref name="blobs"/>, keyed by SHA-256, as <see cref="Submit(ReadOnlySpan{byte}, IReadOnlyDictionary{Hash256, byte[]})"/>)
    /// and waits for its commit. The block's verdict is returned, a rejection included (another node of the organisation may
    /// have done the same duty first); a refusal at the door throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public async Task<CommittedTransaction> SubmitAsNodeAsync(TxPayload payload, IReadOnlyDictionary<Hash256, byte[]>? blobs, CancellationToken ct)
    {
        Transaction tx;
        await _nodeSigning.WaitAsync(ct);
        try
        {
            tx = Transaction.Create(Network.NetworkId, _nodeKey, Nonces(_nodeKey.PublicKey).Next, payload);
            var result = Submit(tx.Encoded.Span, blobs);
            if (!result.Result.IsOk) throw new InvalidOperationException($"The node's own transaction was refused: {result.Result}");
            Records.RequestRun.NoteWrite(); // a request's write the node signs (a login publication): the request did something
        }
        finally
        {
            _nodeSigning.Release();
        }
        try
        {
            return await WaitForCommitAsync(tx.Id, ct);
        }
        catch (NodeHaltedException)
        {
            // The node's own duties (background services) end as they do at any stop: when the stop cancels them.
            await Task.Delay(Timeout.Infinite, ct);
            throw;
        }
    }

    /// <summary>Reads a state entry.</summary>
    /// <exception cref="StateValueMismatchException">A value read on demand from the store does not match the state (<see cref="StateDamage"/>).</exception>
    public byte[]? GetState(string key) => ReadState(state => state.TryGet(key, out var value) ? value : null);

    /// <summary>
    /// The state prefixes whose keys and values the node does not hold in memory once it has started (<see cref="WorldState.ReadOnDemand"/>):
    /// read from the store when asked and checked against the state's tree (whether a key exists is the tree's to answer). The
    /// entries' states (<c>entry/</c>: four fifths of a large state's bytes, 900 MB at 100,000 patients and 2 million entries;
    /// the read model keeps what lists need, and a block reads one only to correct an entry or to name the patient of a
    /// disclosed one), the care relationships (<c>care/</c>), the patients' category keys (<c>catkey/</c>: the read model keeps
    /// the keys it opened) and the blind indexes of MRNs and names (<c>mrn/</c>, <c>namedob/</c>: looked up at registration and
    /// in an emergency search): 3.3 million of the 3.7 million keys at that scale. Blocks read them on the consensus loop, which
    /// is the only writer, so never while a commit is under way; other reads go through <see cref="ReadState{T}"/>, which reads
    /// again a value that met the store one block ahead. Not the patients' states, signers' nonces, validators and policy:
    /// the door and every block read those.
    /// </summary>
    public static IReadOnlyList<string> OnDemandPrefixes { get; } = ["care/", "catkey/", "entry/", "mrn/", "namedob/"];

    /// <summary>
    /// Of <see cref="OnDemandPrefixes"/>, those whose values read recently are kept for the reads that follow while they are
    /// the tree's (<see cref="WorldState.RecentCapacity"/>): the care relationships and category keys every new entry's block
    /// reads (on PostgreSQL a store read is a network round trip on the consensus loop: without them kept, a node on it
    /// committed a third of its throughput). Not the entries' states, which blocks rarely read: a value changed in the store
    /// under a running node is found at the next read of it.
    /// </summary>
    public static IReadOnlyList<string> KeptRecentPrefixes { get; } = ["care/", "catkey/"];

    /// <summary>
    /// Of <see cref="OnDemandPrefixes"/>, those whose keys are kept without their values (<see cref="WorldState.ReadOnDemand"/>,
    /// in one UTF-8 block: about 48 MB at 100,000 patients): those read by a narrower prefix, a patient's care relationships
    /// (<c>care/&lt;patient&gt;/</c>) and the patients of one name and date of birth (<c>namedob/&lt;organisation&gt;/&lt;index&gt;/</c>),
    /// whose reads must find a row deleted in the store, not answer without it; and the category keys and MRN indexes, for
    /// any such read to come. Not the entries' states (2 million keys), read one by one or all at once.
    /// </summary>
    public static IReadOnlyList<string> KeptKeysPrefixes { get; } = ["care/", "catkey/", "mrn/", "namedob/"];

    /// <summary>
    /// From now on the keys and values under <see cref="OnDemandPrefixes"/> are not held: they are read from the store when asked
    /// (called by <see cref="Open"/> before anything reads the state). Returns how many entries were let go.
    /// </summary>
    private int ReadStateValuesOnDemand()
    {
        _stateLock.EnterWriteLock();
        try
        {
            return _state.ReadOnDemand(new StoreValues(_store), OnDemandPrefixes, KeptRecentPrefixes, KeptKeysPrefixes);
        }
        finally
        {
            _stateLock.ExitWriteLock();
        }
    }

    /// <summary>
    /// What a value read on demand found when it did not match the state with no commit under way (the store changed outside
    /// the node; it names the key, never the value), or null. The consensus loop stops the node when it is set.
    /// </summary>
    public string? StateDamage { get; private set; }

    // The store as the world state's source of the values it does not hold.
    // A row stored with other types than the store writes (InvalidDataException) does not match the state either.
    private sealed class StoreValues(ILedgerStore store) : IStateValueSource
    {
        public byte[]? Read(string key)
        {
            try
            {
                return store.ReadStateValue(key);
            }
            catch (InvalidDataException e)
            {
                throw new StateValueMismatchException(key, e.Message);
            }
        }

        public IEnumerable<KeyValuePair<string, byte[]>> ReadPrefix(string prefix)
        {
            using var rows = store.ReadState(prefix).GetEnumerator();
            while (true)
            {
                try
                {
                    if (!rows.MoveNext()) yield break;
                }
                catch (InvalidDataException e)
                {
                    throw new StateValueMismatchException(prefix, e.Message);
                }
                yield return rows.Current;
            }
        }
    }

    // Counts of commits begun in the store and applied to the state (Commit), and the event set when one has been applied.
    private long _storeCommits;
    private long _stateApplies;
    private readonly ManualResetEventSlim _stateApplied = new(true);

    // Reads the state under the read lock. A value read on demand that does not match is the store ahead of the state when a
    // commit is under way (stored, not yet applied: the read is made again once it has been applied), and damage otherwise.
    private T ReadState<T>(Func<WorldState, T> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            long applied;
            _stateLock.EnterReadLock();
            try
            {
                applied = Volatile.Read(ref _stateApplies);
                try
                {
                    return read(_state);
                }
                catch (StateValueMismatchException e)
                {
                    // Under the read lock no commit is applied, so a store not ahead now was not ahead during the read.
                    if (Volatile.Read(ref _storeCommits) == applied)
                    {
                        NoteDamage(e);
                        throw;
                    }
                    // The store ahead for this long (a commit that stored its block and then failed, the node halting): answered
                    // as the store unavailable (503), not as damage.
                    if (attempt == MaxStateReadAttempts) throw;
                }
            }
            finally
            {
                _stateLock.ExitReadLock();
            }
            // Bounded: a commit that stored its block and failed before applying it never counts as applied.
            if (Volatile.Read(ref _stateApplies) == applied) _stateApplied.Wait(TimeSpan.FromSeconds(1));
        }
    }

    private const int MaxStateReadAttempts = 10;

    // The store's tip height, or ulong.MaxValue when the store cannot say (taken as ahead).
    private ulong StoreTipHeight()
    {
        try
        {
            return _store.TipHeight ?? 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ulong.MaxValue;
        }
    }

    // The store's tip height, or null when the store cannot say (unlike StoreTipHeight: nothing is taken for stored unless it says so).
    private ulong? StoredTipHeight()
    {
        try
        {
            return _store.TipHeight;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    // A value read on demand that does not match with no commit under way: recorded, and the consensus loop stops the node.
    private void NoteDamage(StateValueMismatchException e)
    {
        if (StateDamage is not null) return;
        StateDamage = $"{char.ToLowerInvariant(e.Message[0])}{e.Message[1..].TrimEnd('.')} at height {Tip.Height}"; // names a key or a prefix
        try
        {
            RecordDamage(StateDamage, "a read of the stored state");
            ForgetCheckedRecord();
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            // The node stops all the same (StateDamage); its next start's check or sweep finds the damage again.
        }
    }

    /// <summary>A key's last committed nonce and the next nonce the door accepts, in a nonce lane (<see cref="NonceLanes"/>; lane 0 by default).</summary>
    public (ulong Last, ulong Next) Nonces(SigningPublicKey key, ushort lane = 0)
    {
        ulong last = 0;
        var next = Mempool.NextNonce(key, lane, () => last = LastNonce(key, lane));
        return (last, next);
    }

    private ulong LastNonce(SigningPublicKey key, ushort lane) => ReadState(state => SignerCheck.LastNonce(state, key, lane));

    /// <summary>
    /// The nonce lane this node signs its users' transactions in: the node's position among the network's nodes (in id
    /// order; lane 0 for the first, so a one-node network signs as before lanes existed), so two nodes signing for one user
    /// at once (the user logged in at both) never compete for one nonce; the last lane (65535) when this node is not (or not
    /// yet) in the node registry. <c>healthledger load</c> signs in its own lane (<see cref="NonceLanes.Load"/>), which no node uses;
    /// other clients that sign for themselves (the tests) use lane 0, as the first node does.
    /// </summary>
    public ushort UserNonceLane
    {
        get
        {
            var nodes = ScanState("node/");
            for (var i = 0; i < nodes.Count; i++)
            {
                if (NodeRecord.TryDecode(nodes[i].Value) is { } record && record.SigningKey == _nodeKey.PublicKey) return (ushort)Math.Min(i, NonceLanes.Load - 1);
            }
            return ushort.MaxValue;
        }
    }

    /// <summary>The state entries whose keys start with <paramref name="prefix"/>, in key order.</summary>
    /// <exception cref="StateValueMismatchException">A value read on demand from the store does not match the state (<see cref="StateDamage"/>).</exception>
    public IReadOnlyList<KeyValuePair<string, byte[]>> ScanState(string prefix) => ReadState(state => state.WithPrefix(prefix).ToList());

    /// <summary>
    /// Calls <paramref name="visit"/> with each state entry whose key starts with <paramref name="prefix"/>, in key order, without
    /// copying them into a list (values read on demand come from one read of the store): a pass over millions of entries in
    /// constant memory. The state's read lock is held throughout, so commits wait for it. When a commit was under way, the
    /// pass is made again after it: <paramref name="visit"/> may see an entry twice.
    /// </summary>
    /// <exception cref="StateValueMismatchException">A value read on demand from the store does not match the state (<see cref="StateDamage"/>).</exception>
    public void VisitState(string prefix, Action<string, byte[]> visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        ReadState(state =>
        {
            foreach (var (key, value) in state.WithPrefix(prefix)) visit(key, value);
            return 0;
        });
    }

    /// <summary>How many keys the world state holds now (a measure of the history's size).</summary>
    public int StateEntries
    {
        get
        {
            _stateLock.EnterReadLock();
            try
            {
                return _state.Count;
            }
            finally
            {
                _stateLock.ExitReadLock();
            }
        }
    }

    /// <summary>The current state root.</summary>
    public Hash256 StateRoot
    {
        get
        {
            _stateLock.EnterReadLock();
            try
            {
                return _state.Root;
            }
            finally
            {
                _stateLock.ExitReadLock();
            }
        }
    }

    /// <summary>
    /// The height of the last block whose commit has been applied whole (its <see cref="BlockCommitted"/> handlers, the read
    /// models, have run): <see cref="Tip"/>'s height once they have, one less while they run or after one threw.
    /// </summary>
    public ulong AppliedHeight => (ulong)Math.Max(0, Interlocked.Read(ref _appliedHeight));

    /// <summary>Raised on the producer's thread after each commit, before submitters are answered (read models follow the chain with it).</summary>
    public event Action<CandidateBlock>? BlockCommitted;

    /// <summary>
    /// Answers every transaction waiting for its commit, now and from now on, with <see cref="NodeHaltedException"/>: the node
    /// has stopped deciding blocks (<see cref="Network.ConsensusHost.Halt"/>), so none of them will be committed here.
    /// </summary>
    public void AbandonWaiters(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Interlocked.CompareExchange(ref _haltedReason, reason, null);
        foreach (var id in _waiters.Keys)
        {
            if (_waiters.TryRemove(id, out var waiter)) waiter.TrySetException(new NodeHaltedException(_haltedReason));
        }
    }

    private string? _haltedReason;

    /// <summary>Completes when the transaction is committed (accepted or rejected in a block).</summary>
    /// <exception cref="NodeHaltedException">The node stopped deciding blocks before it was committed (<see cref="AbandonWaiters"/>).</exception>
    public async Task<CommittedTransaction> WaitForCommitAsync(Hash256 id, CancellationToken cancellationToken)
    {
        var waiter = _waiters.GetOrAdd(id, _ => new TaskCompletionSource<CommittedTransaction>(TaskCreationOptions.RunContinuationsAsynchronously));
        // Registered after the node halted (or while AbandonWaiters ran): answered here, as the others were.
        if (Volatile.Read(ref _haltedReason) is { } halted) waiter.TrySetException(new NodeHaltedException(halted));
        // A transaction found in the store is answered at once only when its block is fully applied (state, read models):
        // between the store's commit and that point, Commit completes this waiter itself. One still in the mempool (the usual
        // case: a write just submitted) needs no store look-up: Commit takes it out of the mempool before it completes the
        // waiters, so this waiter, registered above, is completed then.
        if (!Mempool.Contains(id) && _store.FindTransaction(id) is { } committed && (long)committed.Height <= Interlocked.Read(ref _appliedHeight))
        {
            _waiters.TryRemove(id, out _);
            return committed;
        }
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            if (waiter.Task.IsCompleted || cancellationToken.IsCancellationRequested) _waiters.TryRemove(id, out _);
        }
    }

    /// <summary>Builds the next block from up to <paramref name="maxTransactions"/> waiting transactions. Changes nothing yet.</summary>
    internal CandidateBlock Build(ulong timestamp, int maxTransactions)
    {
        var pending = Mempool.Peek(maxTransactions);
        // Only the consensus loop writes the state, and it is the caller, so reading it here without the lock is safe (and the
        // store holds no block the state has not applied: a value read on demand that does not match is damage).
        BuiltBlock built;
        try
        {
            built = BlockBuilder.Build(_state, Network.NetworkId, Tip, timestamp, pending.Select(p => p.Transaction).ToList(), _nodeKey);
        }
        catch (StateValueMismatchException e)
        {
            NoteDamage(e);
            throw;
        }
        var blobs = new Dictionary<Hash256, byte[]>();
        var carried = new Dictionary<Hash256, byte[]>();
        for (var i = 0; i < pending.Count; i++)
        {
            foreach (var (hash, data) in pending[i].Blobs)
            {
                if (built.Execution.Receipts[i].Verdict == TxVerdict.Ok) blobs[hash] = data;
                carried[hash] = data;
            }
        }
        return new CandidateBlock(built, blobs) { CarriedBlobs = carried };
    }

    /// <summary>Largest clock skew tolerated in a proposed block's timestamp.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Checks a block another node proposed (or that block sync fetched) as the next block with <see cref="BlockValidator"/>:
    /// after this node's tip, timestamp at most <see cref="MaxClockSkew"/> ahead of <paramref name="now"/>, one of the current
    /// validators as proposer, its record ciphertexts carried or stored here. Returns the block ready to commit, or null with
    /// the validator's reason. Changes nothing. Called on the consensus loop only.
    /// </summary>
    internal CandidateBlock? Validate(Network.BlockValue value, ulong now, out string? error)
    {
        var context = new BlockContext
        {
            NetworkId = Network.NetworkId,
            Previous = Tip,
            Validators = Validators.Select(v => v.SigningKey).ToList(),
            MaxTransactions = Network.Policy.MaxBlockTxs,
            LatestTimestamp = now + (ulong)MaxClockSkew.TotalMilliseconds,
            SignatureCheck = FirstBadSignature,
        };
        // Only the consensus loop writes the state, and it is the caller, so reading it here without the lock is safe.
        BlockVerdict verdict;
        try
        {
            verdict = BlockValidator.Validate(value.Block, context, _state, value.Blobs, hash => _store.ReadBlob(hash) is not null);
        }
        catch (StateValueMismatchException e)
        {
            NoteDamage(e);
            throw;
        }
        if (!verdict.IsOk)
        {
            error = verdict.Reason;
            return null;
        }
        error = null;
        return new CandidateBlock(new BuiltBlock(value.Block, verdict.Execution!, verdict.Tree!), verdict.Ciphertexts) { CarriedBlobs = value.Blobs };
    }

    /// <summary>
    /// Checks a block that block sync fetched from a peer, which may lie: its commit certificate must hold a quorum of this
    /// node's current validators' precommits for the block's hash and height (<see cref="CommitCertificate.Check"/>), and
    /// the block must pass <see cref="Validate"/> (re-execution to the same roots included). Null with the reason when not.
    /// </summary>
    internal CandidateBlock? ValidateSynced(Network.BlockValue value, byte[] certificate, ulong now, out string? error)
    {
        var header = value.Block.Header;
        error = CommitCertificate.Check(certificate, Network.NetworkId, header.Height, header.Hash, Validators.Select(v => v.SigningKey).ToList());
        return error is null ? Validate(value, now, out error) : null;
    }

    // Signatures are the physical floor of a block's cost: those not verified at this node's door are verified on every core; the
    // lowest bad index is reported (the same answer as verifying one after the other).
    private int FirstBadSignature(IReadOnlyList<Transaction> transactions, string networkId) =>
        ParallelSignatures.FirstBad(transactions, networkId, networkId == Network.NetworkId ? tx => VerifiedSignatures.Contains(tx.Id) : null);

    /// <summary>
    /// Commits a decided block: one storage transaction (with its commit certificate and, when given, the node's consensus
    /// voting state that decided it: one durable write for both), then the in-memory state, then the waiting submitters.
    /// Returns true when the validator set changed with it.
    /// </summary>
    internal bool Commit(CandidateBlock candidate, byte[]? certificate = null, byte[]? consensusState = null)
    {
        var built = candidate.Built;
        if (RecoveringTo is { } recorded && built.Block.Header.Height == recorded.Height && built.Block.Header.Hash != recorded.Hash)
        {
            throw new LedgerIntegrityException($"Block {recorded.Height} from the network has hash {built.Block.Header.Hash}, but this node's tip record says it " +
                $"committed {recorded.Hash} at that height: its ledger is not the network's. Rebuild the node with 'healthledger join'.");
        }
        // From the store's commit until the state has applied it, a value read on demand may be the block's (ReadState).
        _stateApplied.Reset();
        Interlocked.Increment(ref _storeCommits);
        Exception? afterStored = null;
        try
        {
            _store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes, candidate.Blobs, certificate, consensusState);
        }
        catch (Exception e)
        {
            // A store that did store the block and then failed (its tip record could not be written: the disk full, the file
            // replaced) holds the block: it is applied and its submitters answered as committed below, and the failure goes up
            // after that (BlockStoredException: the node halts, ConsensusHost, saying the block was stored). An outage is left
            // to ConsensusHost, which writes the block again (the store finds it there).
            if (!StoreUnavailableException.IsOutage(e) && StoredTipHeight() == built.Block.Header.Height && built.Block.Header.Height > Tip.Height)
            {
                afterStored = e;
            }
            else
            {
                // Nothing stored (the store's transaction rolled back): the state and the store agree again. A store that did
                // store the block (the acknowledgement failed after the commit) stays counted as ahead: a read that meets its
                // values is then not taken for damage (ReadState). The node halts or writes again (ConsensusHost).
                if (StoreTipHeight() <= Tip.Height) Interlocked.Decrement(ref _storeCommits);
                _stateApplied.Set();
                throw;
            }
        }
        if (RecoveringTo is { } reached && built.Block.Header.Height > reached.Height) RecoveringTo = null;
        var validatorsChanged = built.Execution.Changes.Entries.Any(e => e.Key == StateKeys.Validators || e.Key == StateKeys.Observers
            || e.Key.StartsWith("node/", StringComparison.Ordinal));
        _stateLock.EnterWriteLock();
        try
        {
            _state.Apply(built.Execution.Changes, built.Tree);
            Interlocked.Increment(ref _stateApplies);
            Tip = built.Block.Header;
            if (validatorsChanged)
            {
                Validators = ValidatorSet.Read(_state);
                Observers = ValidatorSet.ReadObservers(_state);
                if (_joiningMarker is not null && NodeIdOf(_state, _nodeKey.PublicKey) is { } id)
                {
                    NodeId = id;
                    File.Delete(_joiningMarker);
                    _joiningMarker = null;
                }
            }
        }
        finally
        {
            _stateLock.ExitWriteLock();
            _stateApplied.Set();
        }
        Mempool.Remove(built.Block.Transactions.Select(t => t.Id));
        VerifiedSignatures.Remove(built.Block.Transactions.Select(t => t.Id));
        BlockCommitted?.Invoke(candidate);
        var height = built.Block.Header.Height;
        Interlocked.Exchange(ref _appliedHeight, (long)height);
        for (var i = 0; i < built.Block.Transactions.Count; i++)
        {
            if (_waiters.TryRemove(built.Block.Transactions[i].Id, out var waiter))
            {
                waiter.TrySetResult(new CommittedTransaction(height, i, built.Execution.Receipts[i]));
            }
        }
        if (afterStored is not null) throw new BlockStoredException(height, afterStored);
        return validatorsChanged;
    }

    // At a clean stop: the state's tree after the tip, kept for the next start (StateTreeFile), when the store's tip is the one the
    // tree is the state of (a commit whose state was not applied leaves the store ahead: then no file, and the next start hashes).
    private void KeepStateTree()
    {
        if (_checkedRecordLedgerPath is not { } path || _keepNoStateTree) return;
        try
        {
            _stateLock.EnterReadLock();
            try
            {
                // The tree's own entries (the chain's key and value hashes), not the values in memory: a value the start took on
                // trust and the sweep has not hashed yet is checked against them again at the next start's sweep.
                if (_store.TipHeight == Tip.Height && _state.Root == Tip.StateRoot) StateTreeFile.Write(path, Tip, _state.Tree);
                else StateTreeFile.Delete(path);
            }
            finally
            {
                _stateLock.ExitReadLock();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache only: without it the next start hashes every state entry.
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // A view the sweep never took ends first: SQLite checkpoints the whole log only when no reader holds an older snapshot.
        TakeStateOnTrust()?.State.Dispose();
        // A clean stop leaves nothing committed in the write-ahead log alone (a lost ledger.db-wal then loses nothing).
        try
        {
            _store.Checkpoint();
        }
        catch (System.Data.Common.DbException)
        {
            // Not fatal: SQLite checkpoints the log at its next open; nothing committed is lost.
        }
        KeepStateTree();
        _store.Dispose();
        _nodeKey.Dispose();
        _stateLock.Dispose();
        _stateApplied.Dispose();
        _lock?.Dispose();
    }
}
