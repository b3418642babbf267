using System.Globalization;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>
/// Checks the commit certificate stored with block <paramref name="height"/> (null when none is stored) against the validators
/// that decided it; returns the problem, or null. An empty <paramref name="validators"/> list means they are not known (the
/// start-up quick check): the certificate is then checked for everything but membership and quorum.
/// </summary>
public delegate string? CertificateCheck(string networkId, ulong height, Hash256 blockHash,
    IReadOnlyList<SigningPublicKey> validators, byte[]? certificate);

/// <summary>
/// The one check of a stored ledger: <see cref="VerifyMode.Quick"/> at a node's start, <see cref="VerifyMode.Full"/> for
/// <c>healthledger verify</c> (every block, transaction, receipt, state entry, record ciphertext and document). Block rules
/// are <see cref="BlockValidator"/>'s, stored rows <see cref="BlockChecks"/>'s, ciphertexts <see cref="RecordBlobChecks"/>'s.
/// </summary>
public static class StoreVerifier
{
    /// <summary>
    /// Verifies the ledger at <paramref name="ledgerPath"/> in <see cref="VerifyMode.Full"/>, reporting the height reached to
    /// <paramref name="progress"/> (with the tip height as the total). Opens the file read-only.
    /// </summary>
    /// <remarks>
    /// With <paramref name="certificates"/>, every block after genesis must also carry a commit certificate that passes it.
    /// In a network of several nodes a referenced document not yet replicated here is counted in
    /// <see cref="VerifyReport.DocumentsPending"/>, not reported as a problem; one that is present must match its hash.
    /// </remarks>
    /// <exception cref="FileNotFoundException">No ledger file.</exception>
    public static VerifyReport Verify(string ledgerPath, Action<ulong, ulong>? progress = null, string? documentsPath = null, CertificateCheck? certificates = null,
        bool checkTipRecord = true)
    {
        using var store = SqliteLedgerStore.OpenReadOnly(ledgerPath);
        return Verify(store, VerifyMode.Full, documentsPath, progress, certificates, checkTipRecord);
    }

    /// <summary>
    /// Verifies the ledger at <paramref name="location"/> (SQLite or PostgreSQL) and its documents in <see cref="VerifyMode.Full"/>,
    /// as <see cref="Verify(string, Action{ulong, ulong}?, string?, CertificateCheck?, bool)"/>. Opens the store read-only.
    /// </summary>
    /// <exception cref="FileNotFoundException">SQLite: no ledger file.</exception>
    /// <exception cref="StoreCorruptException">Not a HealthLedger ledger of a known version.</exception>
    /// <exception cref="StoreUnavailableException">PostgreSQL: the server cannot be used.</exception>
    public static VerifyReport Verify(LedgerLocation location, Action<ulong, ulong>? progress = null, CertificateCheck? certificates = null, bool checkTipRecord = true)
    {
        ArgumentNullException.ThrowIfNull(location);
        using var store = location.OpenReadOnly();
        return Verify(store, new DocumentStore(location.DocumentsPath), VerifyMode.Full, progress, certificates, checkTipRecord);
    }

    /// <summary>
    /// Verifies an open SQLite ledger in <paramref name="mode"/>; the documents are in <paramref name="documentsPath"/> (default:
    /// the <c>documents</c> folder beside the ledger file). Reads only.
    /// </summary>
    public static VerifyReport Verify(SqliteLedgerStore store, VerifyMode mode, string? documentsPath = null, Action<ulong, ulong>? progress = null,
        CertificateCheck? certificates = null, bool checkTipRecord = true, CheckedPrefix? checkedBefore = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var documents = new DocumentStore(documentsPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(store.Path))!, DocumentStore.FolderName));
        return Verify(store, documents, mode, progress, certificates, checkTipRecord, checkedBefore);
    }

    /// <summary>
    /// Verifies an open ledger store of any kind and the document files in <paramref name="documents"/> in <paramref name="mode"/>.
    /// Reads only. Returns the first problem in <see cref="VerifyReport.Issue"/>; a <see cref="VerifyMode.Quick"/> report that
    /// passed also carries the loaded state, network, tip and document lists.
    /// </summary>
    /// <remarks>
    /// <paramref name="progress"/> is used in <see cref="VerifyMode.Full"/> only. <paramref name="certificates"/> checks every
    /// block after genesis: in full mode with the validators of its height, in quick mode with an empty list (the set of each
    /// height needs re-execution; the check then covers what needs no set: decoding, the votes' block, every signature). Both modes
    /// first compare the store with its tip record (<see cref="ILedgerStore.ReadRecordedTip"/>): a store whose blocks end below the
    /// recorded tip, or hold another block at its height, lost committed blocks; a store with blocks and no record is refused too.
    /// <paramref name="checkTipRecord"/> false skips that (<c>verify --accept-tip</c>, which then records the store's own tip).
    /// <paramref name="checkedBefore"/> (quick mode only) is what an earlier quick check verified: while the block it ends at is
    /// still stored with its hash, the blocks up to there are taken on trust (<see cref="VerifyReport.TrustedThrough"/>; the
    /// integrity sweep, <see cref="Sweep"/>, re-checks them) and unchanged documents are not re-hashed (see
    /// <see cref="CheckedPrefix"/>); a passing quick report carries the new record in <see cref="VerifyReport.Checked"/>.
    /// <para>
    /// <paramref name="keptTree"/> (quick mode only) gives the state's tree kept at the last clean stop (<see cref="StateTreeFile"/>)
    /// when it is the tree after the stored tip block (it is asked with that block's header and returns null otherwise): the
    /// state entries are then not hashed (<see cref="VerifyReport.StateTakenOnTrust"/>; the integrity sweep,
    /// <see cref="SweepState"/>, hashes them after the start). With it, the entries under <paramref name="valuesOnDemand"/> are
    /// loaded as keys only (<see cref="WorldState.Load(IReadOnlyList{KeyValuePair{string, byte[]}}, SparseMerkleTree, ParallelFor?, IReadOnlyList{string})"/>):
    /// the caller must have the state read them on demand (<see cref="WorldState.ReadOnDemand"/>) before anything reads them.
    /// Without a kept tree (or with one that is not used) every entry is hashed; the entries under <paramref name="valuesOnDemand"/>
    /// are hashed a chunk at a time as they are read and loaded as keys only all the same (their values are never all held).
    /// <paramref name="keptTreeMatches"/>, when given, is asked first with the tip block's header: false says
    /// <paramref name="keptTree"/> would give no tree for it (no file, or one of another block), which is then not asked, and the
    /// rows are read once, hashed (not once for the kept tree's start and again to hash them).
    /// </para>
    /// </remarks>
    public static VerifyReport Verify(ILedgerStore store, DocumentStore documents, VerifyMode mode = VerifyMode.Full, Action<ulong, ulong>? progress = null,
        CertificateCheck? certificates = null, bool checkTipRecord = true, CheckedPrefix? checkedBefore = null, Func<BlockHeader, SparseMerkleTree?>? keptTree = null,
        IReadOnlyList<string>? valuesOnDemand = null, Func<BlockHeader, bool>? keptTreeMatches = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (checkTipRecord && CheckTipRecord(store) is { } tipIssue) return new VerifyReport(0, 0, "", tipIssue) { TipProblem = true };
        return mode == VerifyMode.Quick ? Quick(store, documents, certificates, checkedBefore, keptTree, valuesOnDemand, keptTreeMatches) : Full(store, documents, progress, certificates);
    }

    /// <summary>
    /// The most recent blocks whose proposer and certificate signatures the quick check always verifies, whatever an earlier
    /// check vouches for.
    /// </summary>
    public const ulong RecentWindow = 16;

    /// <summary>
    /// Compares the store's blocks with its independent tip record; returns the problem, or null. Cheap: the record, the store's
    /// highest height and the one block at the recorded height.
    /// </summary>
    public static VerifyIssue? CheckTipRecord(ILedgerStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        LedgerTip? recorded;
        try
        {
            recorded = store.ReadRecordedTip();
        }
        catch (InvalidDataException e)
        {
            return new VerifyIssue(null, null, null, null, e.Message);
        }
        var last = store.TipHeight;
        if (recorded is null)
        {
            return last is null ? null : VerifyIssue.InBlock(last.Value,
                $"the ledger's tip record ({LedgerTip.FileName}) is missing, so blocks lost after this one could not be noticed");
        }
        if (last is null || last.Value < recorded.Height)
        {
            var first = last is { } l ? l + 1 : 0;
            var ends = last is { } e ? $"the ledger ends at block {e}" : "the ledger holds no blocks";
            return VerifyIssue.InBlock(first,
                $"committed blocks {first} to {recorded.Height} ({recorded.Height - first + 1}) are missing: the tip record says {recorded} was committed, " +
                $"{ends} " + (store is PostgresLedgerStore
                    ? "(a database restored from a dump older than its tip record, or another database than the node's)"
                    : "(a lost or damaged write-ahead log ledger.db-wal, or a ledger file older than its tip record)"));
        }
        var stored = store.ReadBlock(recorded.Height);
        if (stored is null || stored.Hash.Length != 32 || new Hash256(stored.Hash) != recorded.Hash)
        {
            var hash = stored is null ? "none" : Convert.ToHexStringLower(stored.Hash);
            return VerifyIssue.InBlock(recorded.Height, $"the stored block's hash ({hash}) is not the one the tip record says was committed ({recorded.Hash})");
        }
        return null;
    }

    private static VerifyReport Full(ILedgerStore store, DocumentStore documents, Action<ulong, ulong>? progress, CertificateCheck? certificates)
    {
        // Transactions are decoded and their signatures verified ahead of re-execution, on every core (SignatureLookahead);
        // re-execution, deterministic, runs here in height order on the decoded transactions and verifies inline whatever the
        // lookahead did not vouch for (and decodes whatever it could not), so the verdicts are those of inline checks.
        using var lookahead = new SignatureLookahead();
        var verifier = new ChainVerifier(lookahead.FirstBad);
        if (store.TipHeight is not { } tip) return Report(verifier, VerifyIssue.InBlock(0, "the ledger holds no blocks"));
        var orphans = new OrphanCounter();
        foreach (var (block, decoded) in lookahead.Read(store.ReadBlocks(orphans: orphans)))
        {
            var validators = block.Height > 0 && certificates is not null ? verifier.ValidatorKeys : null;
            if (verifier.Add(block, decoded) is { } issue) return Report(verifier, issue);
            if (validators is not null && certificates!(verifier.NetworkId!, block.Height, verifier.Tip!.Hash, validators, store.ReadCertificate(block.Height)) is { } problem)
            {
                return Report(verifier, VerifyIssue.InBlock(block.Height, problem));
            }
            progress?.Invoke(block.Height, tip);
        }
        if (verifier.Tip is null || verifier.Tip.Height != tip) return Report(verifier, VerifyIssue.InBlock(tip, "block is missing"));
        if (orphans.Count > 0) return Report(verifier, Orphans(orphans));
        // As at start: only regular files with content are documents (a FIFO, a device, a folder or an empty file counts as missing).
        var files = documents.Enumerate().Where(d => RegularFile.Length(d.Path) > 0).ToList();
        var present = files.Select(f => f.Name).ToHashSet();
        var pending = verifier.Replicated ? verifier.Blobs.Documents.Keys.Count(h => !present.Contains(h.ToString())) : 0;
        return Report(verifier, StoredState(verifier, store) ?? verifier.CheckStateHeights(store.ReadStateHeights()) ?? verifier.Blobs.Check(store.ReadBlobs())
            ?? verifier.Blobs.CheckDocuments(files.Select(d => HashedFile(d.Name, d.Path)), allowMissing: verifier.Replicated)
            ?? (store.IndexProblem() is { } index ? new VerifyIssue(null, null, null, null, index) : null)) with
        { DocumentsPending = pending };
    }

    // The stored state against the re-derived one; a row the store refuses to read as the node wrote it (SQLite: a key or value
    // stored with another type by a hand edit) is the ledger's damage, reported as such, not a ledger that cannot be read.
    private static VerifyIssue? StoredState(ChainVerifier verifier, ILedgerStore store)
    {
        try
        {
            return verifier.CheckState(store.ReadState());
        }
        catch (InvalidDataException e)
        {
            return new VerifyIssue(null, null, null, null, e.Message);
        }
    }

    private static VerifyReport Quick(ILedgerStore store, DocumentStore documents, CertificateCheck? certificates, CheckedPrefix? checkedBefore,
        Func<BlockHeader, SparseMerkleTree?>? keptTree, IReadOnlyList<string>? valuesOnDemand, Func<BlockHeader, bool>? keptTreeMatches)
    {
        if (store.TipHeight is not { } tip) return new VerifyReport(0, 0, "", VerifyIssue.InBlock(0, "the ledger holds no blocks"));
        // The world state is loaded and its tree rebuilt on another thread while the blocks are read, decoded and checked: the
        // two read the store only and meet at the end (the last block's state root). Start-up's wall time on two cores.
        var loading = Task.Run(() => LoadState(store, tip, keptTree, valuesOnDemand, keptTreeMatches));
        var handedOn = false;
        try
        {
            var report = Quick(store, documents, certificates, checkedBefore, tip, loading);
            // A record is a cache, never a source of truth: when a check that used one fails, the check is done again without
            // it, so that a wrong record (edited, or of another chain with a matching block) cannot refuse a sound ledger.
            report = report.Ok || !report.UsedRecord ? report : Quick(store, documents, certificates, checkedBefore: null, tip, loading);
            if (report.Ok && loading.Result.OnTrust is { } onTrust)
            {
                handedOn = true;
                return report with { StateOnTrust = onTrust };
            }
            return report;
        }
        finally
        {
            if (!loading.IsCompleted)
            {
                // Left only when the check stopped with an exception of its own: that one is thrown, after the load stopped
                // reading the store its caller is about to close.
                try
                {
                    loading.Wait();
                }
                catch (AggregateException)
                {
                }
            }
            // The view the state was loaded from is the report's only when the check passed on it.
            if (!handedOn && loading.IsCompletedSuccessfully) loading.Result.OnTrust?.Dispose();
        }
    }

    // The stored state with its tree: the kept tree when it is the tip block's (the rows, from a view of the store that stays
    // open, and the kept tree's file read side by side; the entries are not hashed, and the view is handed on for the sweep to
    // read the same rows again; the values under valuesOnDemand are not read), else the tree built by hashing every entry on
    // every core (those under valuesOnDemand streamed in chunks and kept as keys only: HashedKeysOnly).
    private static (WorldState State, TrustedState? OnTrust) LoadState(ILedgerStore store, ulong tip, Func<BlockHeader, SparseMerkleTree?>? keptTree,
        IReadOnlyList<string>? valuesOnDemand, Func<BlockHeader, bool>? keptTreeMatches)
    {
        if (keptTree is not null && store.ReadBlock(tip) is { } stored && BlockHeader.TryDecode(stored.Header, out var header, out _) && header!.Height == tip)
        {
            if (valuesOnDemand is { Count: > 0 } && keptTreeMatches?.Invoke(header) == false)
            {
                // No kept tree for this block (after a crash): the rows are read once, hashed.
                using var rowsOnly = store.OpenStateSnapshot();
                return (Loaded(() => HashedKeysOnly(rowsOnly.Read(), valuesOnDemand)), null);
            }
            SparseMerkleTree? kept = null;
            IReadOnlyList<KeyValuePair<string, byte[]>> rows = [];
            Predicate<string>? withoutValue = valuesOnDemand is { Count: > 0 } prefixes ? key => UnderAny(key, prefixes) : null;
            var snapshot = store.OpenStateSnapshot();
            try
            {
                try
                {
                    Parallel.Invoke(() => rows = withoutValue is null ? snapshot.ReadAll() : snapshot.ReadAll(withoutValue), () => kept = keptTree(header));
                }
                catch (AggregateException e)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); // a store's own, as a serial read throws it
                }
                if (kept is not null && kept.Count == rows.Count && StartRowsMatch(rows, kept))
                {
                    var state = Loaded(() => valuesOnDemand is { Count: > 0 } ? WorldState.Load(rows, kept, Cores, valuesOnDemand) : WorldState.Load(rows, kept, Cores));
                    return (state, new TrustedState(snapshot, kept));
                }
                // The kept tree is not used: every entry is hashed, so every value is read; those under valuesOnDemand are
                // hashed as they are read and kept as keys only.
                if (valuesOnDemand is { Count: > 0 })
                {
                    rows = [];
                    kept = null;
                    var hashed = Loaded(() => HashedKeysOnly(snapshot.Read(), valuesOnDemand));
                    snapshot.Dispose();
                    return (hashed, null);
                }
            }
            catch
            {
                snapshot.Dispose();
                throw;
            }
            snapshot.Dispose();
            return (Loaded(() => WorldState.Load(rows, Cores)), null);
        }
        return (Loaded(() => WorldState.Load(store.ReadAllState(), Cores)), null);
    }

    // Rows hashed in chunks of this many (on every core) by HashedKeysOnly: ~25 MB of values at a time at 100,000 patients.
    private const int HashedChunkRows = 1 << 16;

    // The state of the rows streamed from the store with its tree built by hashing every entry on every core, a chunk of rows
    // at a time: the entries under valuesOnDemand are kept as keys only (as the kept tree's start loads them), so that their
    // values (four fifths of a large state's bytes) are never all held at once. A start without a usable kept tree (after a
    // crash, or a deleted or damaged ledger.tree) otherwise held every value: the check's peak 2.7-2.9 GiB at 100,000 patients
    // and 2 million entries, 1.4-1.6 GiB so (docs/benchmarks.md, "A start without the kept tree").
    // ArgumentException: a key appears twice, or a prefix is empty or starts with another.
    internal static WorldState HashedKeysOnly(IEnumerable<KeyValuePair<string, byte[]>> stream, IReadOnlyList<string> valuesOnDemand, int chunkRows = HashedChunkRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        var rows = new List<KeyValuePair<string, byte[]>>();
        var leaves = new List<(Hash256 KeyHash, Hash256 ValueHash)>();
        var chunk = new List<KeyValuePair<string, byte[]>>(chunkRows);
        var hashed = new (Hash256 KeyHash, Hash256 ValueHash)[chunkRows];
        void Hash()
        {
            Parallel.For(0, chunk.Count, i => hashed[i] = (WorldState.KeyHash(chunk[i].Key), Hashing.Sha256(chunk[i].Value)));
            leaves.AddRange(hashed.AsSpan(0, chunk.Count));
            foreach (var row in chunk) rows.Add(UnderAny(row.Key, valuesOnDemand) ? new KeyValuePair<string, byte[]>(row.Key, []) : row);
            chunk.Clear();
        }
        foreach (var row in stream)
        {
            chunk.Add(row);
            if (chunk.Count == chunkRows) Hash();
        }
        Hash();
        SparseMerkleTree tree;
        try
        {
            tree = SparseMerkleTree.Build(leaves, Cores);
        }
        catch (ArgumentException)
        {
            // A key hash twice is a key twice (the rows are distinct strings otherwise): named by its key, as a load names it.
            var keys = rows.Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
            var twice = keys.Where((key, i) => i > 0 && string.Equals(key, keys[i - 1], StringComparison.Ordinal)).FirstOrDefault();
            if (twice is null) throw;
            throw new ArgumentException($"Key '{twice}' appears twice.", nameof(stream));
        }
        return WorldState.Load(rows, tree, Cores, valuesOnDemand);
    }

    // Whether key starts with one of prefixes (a loop: asked for each of the millions of rows a start reads).
    private static bool UnderAny(string key, IReadOnlyList<string> prefixes)
    {
        for (var i = 0; i < prefixes.Count; i++)
        {
            if (key.StartsWith(prefixes[i], StringComparison.Ordinal)) return true;
        }
        return false;
    }

    // The rows the start itself decides with before the sweep could check them (the network's configuration, its validators,
    // nodes and organisations: a few dozen) hashed against the kept tree, both ways: each such row is the tree's, and each such
    // key the tree holds is among the rows. Otherwise the kept tree is not used and every entry is hashed (a renamed
    // 'validators' row once crashed the consensus host with an ArgumentException instead of being refused as damage).
    private static bool StartRowsMatch(IReadOnlyList<KeyValuePair<string, byte[]>> rows, SparseMerkleTree kept)
    {
        static bool StartRow(string key) => !key.Contains('/', StringComparison.Ordinal) || key.StartsWith("node/", StringComparison.Ordinal)
            || key.StartsWith("org/", StringComparison.Ordinal) || key.StartsWith("orgnodes/", StringComparison.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in rows)
        {
            if (!StartRow(key)) continue;
            if (!kept.TryGetValueHash(WorldState.KeyHash(key), out var expected) || Hashing.Sha256(value) != expected) return false;
            seen.Add(key);
        }
        return new[] { StateKeys.Network, StateKeys.Validators }.All(k => seen.Contains(k) || !kept.TryGetValueHash(WorldState.KeyHash(k), out _));
    }

    // A key stored twice (a store whose primary key a hand edit removed) is damage, as every other problem of the stored state.
    private static WorldState Loaded(Func<WorldState> load)
    {
        try
        {
            return load();
        }
        catch (ArgumentException e)
        {
            // Without .NET's "(Parameter '…')": the message names the damage, not a parameter of ours.
            var damage = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            throw new InvalidDataException($"The stored world state is damaged: {damage}", e);
        }
    }

    private static void Cores(int count, Action<int> body) => Parallel.For(0, count, body);

    private static VerifyReport Quick(ILedgerStore store, DocumentStore documents, CertificateCheck? certificates, CheckedPrefix? checkedBefore,
        ulong tip, Task<(WorldState State, TrustedState? OnTrust)> loading)
    {
        // An earlier check's record is used only while the block it ends at is still stored with its hash: the blocks up to it
        // (their rows, signatures and ciphertexts) are then not read again here. The integrity sweep re-reads them after the
        // start (Sweep) and 'verify' re-derives them; the latest RecentWindow blocks are always checked here.
        BlockHeader? anchor = null;
        var vouched = checkedBefore is { } c && c.Height <= tip && store.ReadBlock(c.Height) is { } atRecord
            && atRecord.Hash.Length == 32 && new Hash256(atRecord.Hash) == c.Hash && BlockHeader.TryDecode(atRecord.Header, out anchor, out _)
            && anchor!.Height == c.Height && anchor.Hash == c.Hash ? checkedBefore : null;
        WorldState State() => loading.GetAwaiter().GetResult().State;
        // The network's entry is read on its own (the blocks' checks need its policy); the whole state, loaded meanwhile, holds
        // the same row.
        var network = ReadNetwork(store);
        if (network is null) return new VerifyReport(0, 0, State().Root.ToString(), VerifyIssue.InState(StateKeys.Network, "missing or damaged"));
        var usedRecord = vouched is not null;

        // A record that ends at genesis (a chain of at most RecentWindow blocks) vouches for documents only: every block is read.
        // So does one that ends within the last RecentWindow blocks (a tip lowered by 'verify --accept-tip', or a record edited
        // by hand): the recent blocks are always read.
        var trusted = vouched is { Height: > 0 } && vouched.Height <= tip - Math.Min(tip, RecentWindow) ? vouched : null;
        var pass = trusted is null ? new Pass(network) : new Pass(network, trusted, anchor!);
        // What the next start may take on trust: everything but the most recent blocks, which every start checks (a short
        // chain is always read whole: its record ends at genesis).
        var nextAnchor = tip > RecentWindow ? Math.Max(tip - RecentWindow, trusted?.Height ?? 0) : trusted?.Height ?? 0;
        VerifyReport Fail(VerifyIssue issue) => new(pass.Blocks, pass.Transactions, State().Root.ToString(), issue) { UsedRecord = usedRecord };
        var orphans = new OrphanCounter();
        // To the end of the store: rows filed above the tip belong to no block.
        if (pass.Run(store, long.MaxValue, orphans, snapshotAt: nextAnchor, CancellationToken.None) is { } blockIssue) return Fail(blockIssue);
        if (orphans.Count > 0) return Fail(Orphans(orphans));
        var previous = pass.Previous!;
        // Heights of state rows must not lie after the tip (a scan of the state table in the store), asked while the state's
        // load finishes on the other core.
        var filedLate = Task.Run(() => store.FirstStateFiledAfter(previous.Height));
        WorldState state;
        try
        {
            state = State();
        }
        finally
        {
            // Finished before anything returns (the caller closes the store); its own exception is thrown where it is used.
            try
            {
                filedLate.Wait();
            }
            catch (AggregateException)
            {
            }
        }
        if (previous.StateRoot != state.Root)
        {
            return Fail(VerifyIssue.InBlock(previous.Height,
                $"the stored world state (root {state.Root}) does not match block {previous.Height}'s state root {previous.StateRoot}"));
        }
        if (Certificates(store, network.NetworkId, pass.Decided, certificates) is { } certificateIssue) return Fail(certificateIssue);
        // Heights of state rows: the re-derived last writer of each key needs re-execution (verify); here they must not lie
        // after the tip. Ciphertexts are filed under the exact block that first referenced them, checked in both modes.
        if (filedLate.GetAwaiter().GetResult() is { } late)
        {
            return Fail(VerifyIssue.InState(late.Key, $"filed under height {late.Height}, after the last block {previous.Height}"));
        }
        // Without a record every stored ciphertext is read and compared; with one, those of the blocks read here (each one it
        // references, by hash), the rest being the sweep's.
        var blobIssue = trusted is null ? pass.Blobs.Check(store.ReadBlobs()) : pass.Blobs.CheckReferenced(store.ReadBlobs);
        if (blobIssue is not null) return Fail(blobIssue);
        // Unreferenced files (uploads whose transaction never committed) are the caller's to set aside. In a network of
        // several nodes a document uploaded elsewhere arrives by replication after its block; one not held yet is listed in
        // MissingDocuments, not a problem. A single node must hold them all.
        var blobs = pass.Blobs;
        var referenced = blobs.Documents.Keys.ToHashSet();
        var replicated = ValidatorSet.Ids(state).Count > 1;
        // Only regular files with content are documents here (RegularFile.Length): a FIFO, a device, a folder or an empty file in
        // a document's place is never opened (a FIFO would hold the start forever) and counts as missing.
        var files = documents.Enumerate().Where(d => Hash256.TryParse(d.Name, out var h) && referenced.Contains(h) && RegularFile.Length(d.Path) > 0).ToList();
        var present = files.Select(d => d.Name).ToHashSet();
        var missing = replicated
            ? blobs.Documents.Where(d => !present.Contains(d.Key.ToString())).Select(d => new DocumentRef(default, d.Key, d.Value.Length)).ToList()
            : [];
        // Every referenced document is re-hashed (in parallel) unless an earlier check saw these bytes match and the file's
        // length and modification time are unchanged since: a changed byte stops the start, not only 'verify'.
        // Each file's length and modification time are read before its bytes are hashed: a change after that shows next time.
        var seen = files.Select(d => (d.Name, d.Path, Info: Stat(d.Path))).ToList();
        var hashes = seen.AsParallel().Select(d => (d.Name, Hash: vouched is not null && vouched.Vouches(d.Name, d.Info) && Hash256.TryParse(d.Name, out var same)
                ? same
                : DocumentStore.HashFileAsync(d.Path, CancellationToken.None).GetAwaiter().GetResult()))
            .ToDictionary(d => d.Name, d => d.Hash);
        if (blobs.CheckDocuments(seen.Select(d => Vouched(d.Name, d.Info.Length, hashes[d.Name])), allowMissing: replicated) is { } documentIssue)
        {
            return Fail(documentIssue);
        }
        var checkedNow = certificates is not null && pass.Snapshot is { } snapshot
            ? snapshot with
            {
                Written = DateTime.UtcNow,
                Documents = seen.ToDictionary(d => d.Name, d => (d.Info.Length, d.Info.LastWriteTimeUtc.Ticks), StringComparer.Ordinal),
            }
            : null;
        return new VerifyReport(pass.Blocks, pass.Transactions, state.Root.ToString(), null)
        {
            Checked = checkedNow,
            State = state,
            Network = network,
            Tip = previous,
            ReferencedDocuments = referenced,
            // With blocks taken on trust, a file older than the record is not set aside as an upload whose commit never
            // happened (the record's references could be wrong; the previous start set the old ones aside): only newer ones.
            KeptDocuments = trusted is null ? referenced
                : [.. referenced, .. documents.Enumerate().Where(d => Stat(d.Path).LastWriteTimeUtc < trusted.Written && Hash256.TryParse(d.Name, out _))
                    .Select(d => Hash256.Parse(d.Name))],
            MissingDocuments = missing,
            TrustedThrough = trusted?.Height,
        };
    }

    /// <summary>
    /// The integrity sweep: re-reads blocks 0 to <paramref name="through"/> of a running node's store as the start-up quick
    /// check does without a record (every block's rows, hash, link, timestamp, transaction and receipts roots, proposer
    /// signature and bound, commit certificate, and every record ciphertext filed up to there against its hash and height),
    /// so that what a start took on trust from <see cref="CheckedPrefix"/> is checked after all. The world state and documents
    /// are not (the start checked them). Reads only blocks and ciphertexts up to <paramref name="through"/>, which no commit
    /// changes, so it runs beside a node that commits.
    /// </summary>
    /// <returns>A report whose <see cref="VerifyReport.Issue"/> is the first problem, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled (checked between blocks and ciphertexts).</exception>
    public static VerifyReport Sweep(ILedgerStore store, ulong through, CertificateCheck? certificates, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (ReadNetwork(store) is not { } network) return new VerifyReport(0, 0, "", VerifyIssue.InState(StateKeys.Network, "missing or damaged"));
        var pass = new Pass(network);
        VerifyReport Report(VerifyIssue? issue) => new(pass.Blocks, pass.Transactions, "", issue);
        var orphans = new OrphanCounter();
        if (pass.Run(store, through, orphans, snapshotAt: null, cancel) is { } blockIssue) return Report(blockIssue);
        if (pass.Previous is null || pass.Previous.Height != through) return Report(VerifyIssue.InBlock(pass.Previous is null ? 0 : pass.Previous.Height + 1, "block is missing"));
        if (orphans.Count > 0) return Report(Orphans(orphans));
        if (Certificates(store, network.NetworkId, pass.Decided, certificates) is { } certificateIssue) return Report(certificateIssue);
        return Report(pass.Blobs.Check(Cancellable(store.ReadBlobs().Where(b => b.Height <= through), cancel)));
    }

    /// <summary>
    /// The integrity sweep's check of a world state the start took on trust (<see cref="VerifyReport.StateOnTrust"/>): every row
    /// of the view the start loaded it from (<see cref="TrustedState.Rows"/>: the very rows, whatever was committed or changed in
    /// the store since) must be a leaf of the tree the start took (<see cref="TrustedState.Tree"/>, whose root is the state root
    /// of <paramref name="at"/>, the tip at start): its key hash there, with the SHA-256 of its value, and as many rows as leaves.
    /// That is the check "the rows' root is <paramref name="at"/>'s state root" makes, without holding the rows or
    /// their hashes: the rows are streamed and checked in chunks through <paramref name="parallel"/> when given.
    /// </summary>
    /// <returns>A report whose <see cref="VerifyReport.Issue"/> names the first mismatch found (in block <paramref name="at"/>, by
    /// key, never a value), or a passing one.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled (checked between chunks).</exception>
    /// <exception cref="ObjectDisposedException">The view was disposed.</exception>
    public static VerifyReport SweepState(TrustedState state, BlockHeader at, ParallelFor? parallel, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(at);
        var tree = state.Tree;
        VerifyReport Damaged(string problem) => new(0, 0, tree.Root.ToString(), VerifyIssue.InBlock(at.Height, problem));
        if (tree.Root != at.StateRoot) return Damaged($"the kept state tree (root {tree.Root}) is not block {at.Height}'s state root {at.StateRoot}");
        const int Chunk = 8192;
        var chunk = new List<KeyValuePair<string, byte[]>>(Chunk);
        var problems = new string?[Chunk];
        var run = parallel ?? (static (count, body) =>
        {
            for (var i = 0; i < count; i++) body(i);
        });
        long rows = 0;
        string? Check()
        {
            cancel.ThrowIfCancellationRequested();
            Array.Clear(problems);
            run(chunk.Count, i =>
            {
                var (key, value) = chunk[i];
                if (!tree.TryGetValueHash(WorldState.KeyHash(key), out var expected)) problems[i] = $"the stored world state holds key '{key}', which is not in block {at.Height}'s state";
                else if (Hashing.Sha256(value) != expected) problems[i] = $"the stored value of key '{key}' does not match block {at.Height}'s state";
            });
            rows += chunk.Count;
            var found = problems.FirstOrDefault(p => p is not null);
            chunk.Clear();
            return found;
        }
        foreach (var row in state.Rows.Read())
        {
            chunk.Add(row);
            if (chunk.Count == Chunk && Check() is { } problem) return Damaged(problem);
        }
        if (chunk.Count > 0 && Check() is { } last) return Damaged(last);
        cancel.ThrowIfCancellationRequested();
        return rows == tree.Count
            ? new VerifyReport(0, 0, tree.Root.ToString(), null) { Tip = at }
            : Damaged(string.Create(CultureInfo.InvariantCulture,
                $"the stored world state holds {rows} entries, block {at.Height}'s state {tree.Count}: {(rows < tree.Count ? "entries are missing" : "entries were added")}"));
    }

    private static NetworkConfig? ReadNetwork(ILedgerStore store) =>
        store.ReadState(StateKeys.Network).Where(e => e.Key == StateKeys.Network).Select(e => NetworkConfig.TryDecode(e.Value)).FirstOrDefault();

    private static IEnumerable<T> Cancellable<T>(IEnumerable<T> items, CancellationToken cancel)
    {
        foreach (var item in items)
        {
            cancel.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    // One pass over stored blocks in height order, as the quick check reads them: from genesis, or from after the block an
    // earlier check's record ends at (its header, proposers and document references carried over).
    private sealed class Pass
    {
        private readonly NetworkConfig _network;
        private readonly List<SigningPublicKey> _proposers = [];

        public Pass(NetworkConfig network) => _network = network;

        public Pass(NetworkConfig network, CheckedPrefix record, BlockHeader anchor)
            : this(network)
        {
            Previous = anchor;
            _proposers.AddRange(record.Proposers);
            foreach (var (document, where) in record.References) Blobs.AddEarlierDocument(document, where.Height, where.Index, where.TxId, where.Length);
        }

        public BlockHeader? Previous { get; private set; }

        public ulong Blocks { get; private set; }

        public ulong Transactions { get; private set; }

        // Blocks after genesis read in this pass, for their commit certificates.
        public List<(ulong Height, Hash256 Hash)> Decided { get; } = [];

        public RecordBlobChecks Blobs { get; } = new();

        // What a record ending at the snapshot height holds (Written and Documents are the caller's), once the pass reached it.
        public CheckedPrefix? Snapshot { get; private set; }

        public VerifyIssue? Run(ILedgerStore store, ulong to, OrphanCounter orphans, ulong? snapshotAt, CancellationToken cancel)
        {
            // Per height the validator set is not known without re-execution. Every proposer after genesis must be a key that an
            // earlier block made a validator (genesis's nodes, an accepted ConfigureNodes that adds a node or replaces its key, an
            // accepted proposal that adds or replaces nodes): a chain re-signed by any other key is refused here; full mode
            // checks the exact set of each height.
            var context = new BlockContext { NetworkId = _network.NetworkId, MaxTransactions = _network.Policy.MaxBlockTxs, VerifyTransactionSignatures = false };
            if (Previous is { } start && snapshotAt == start.Height) TakeSnapshot(start);
            // Transactions are decoded ahead, on every core, and used only for their exact stored bytes (BlockChecks.CheckStored).
            using var lookahead = new SignatureLookahead(verifySignatures: false);
            var from = Previous is null ? 0 : Previous.Height + 1;
            foreach (var (stored, decoded) in lookahead.Read(store.ReadBlocks(from, to, orphans)))
            {
                cancel.ThrowIfCancellationRequested();
                var expected = Previous is null ? 0 : Previous.Height + 1;
                if (stored.Height != expected) return VerifyIssue.InBlock(expected, "block is missing");
                if (BlockChecks.CheckStored(stored, _network.Policy.MaxTxBytes, quick: true, decoded, out var block) is { } issue) return issue;
                var verdict = BlockValidator.Validate(block!, context with { Previous = Previous, Validators = Previous is null ? null : _proposers }, state: null);
                if (!verdict.IsOk) return VerifyIssue.InBlock(block!, verdict);
                Previous = block!.Header;
                if (Previous.Height > 0) Decided.Add((Previous.Height, Previous.Hash));
                Blocks++;
                Transactions += (ulong)block.Transactions.Count;
                var receipts = stored.Receipts.Select(r => Receipt.TryDecode(r, out var receipt, out _) ? receipt! : new Receipt(default, TxVerdict.Malformed, "")).ToList();
                NameValidators(block, receipts, _proposers);
                Blobs.Add(block, receipts);
                if (snapshotAt == Previous.Height) TakeSnapshot(Previous);
            }
            return null;
        }

        private void TakeSnapshot(BlockHeader at) =>
            Snapshot = new CheckedPrefix(at.Height, at.Hash, [.. _proposers],
                Blobs.Documents.ToDictionary(d => d.Key, d => new DocumentReference(d.Value.Height, d.Value.Index, d.Value.TxId, d.Value.Length)),
                default, new Dictionary<string, (long, long)>());
    }

    // Adds the keys that the block's accepted transactions make validators.
    private static void NameValidators(Block block, IReadOnlyList<Receipt> receipts, List<SigningPublicKey> keys)
    {
        for (var i = 0; i < block.Transactions.Count && i < receipts.Count; i++)
        {
            if (receipts[i].Verdict != TxVerdict.Ok) continue;
            var named = block.Transactions[i].Payload switch
            {
                GenesisPayload genesis => genesis.Nodes.Select(n => n.SigningKey),
                ConfigureNodesPayload { Change: NodeChange.Add or NodeChange.Replace } change => [change.Node.SigningKey],
                // A proposal's node keys are named once it is accepted, approved or not (the vote that applies it carries no
                // keys): quick mode only bounds the proposers to keys the chain named; full mode checks each height's exact set.
                ProposePayload proposal => proposal.Action.NodeKeys,
                _ => [],
            };
            foreach (var key in named)
            {
                if (!keys.Contains(key)) keys.Add(key);
            }
        }
    }

    // Every block after genesis that a pass read was decided with a commit certificate. Each is checked (in parallel) for what
    // needs no validator set (decodes, votes for this block, one round, every signature): quick mode passes an empty list of
    // validators, since the set of each height needs re-execution. The lowest failing height is named.
    private static VerifyIssue? Certificates(ILedgerStore store, string networkId, List<(ulong Height, Hash256 Hash)> decided, CertificateCheck? check)
    {
        if (check is null) return null;
        var problems = new System.Collections.Concurrent.ConcurrentDictionary<ulong, string>();
        Parallel.ForEach(decided, block =>
        {
            if (check(networkId, block.Height, block.Hash, [], store.ReadCertificate(block.Height)) is { } problem) problems[block.Height] = problem;
        });
        if (problems.IsEmpty) return null;
        var first = problems.Keys.Min();
        return VerifyIssue.InBlock(first, problems[first]);
    }

    private static VerifyIssue Orphans(OrphanCounter orphans) =>
        new(null, null, null, null, $"{orphans.Count} transaction or receipt row(s) belong to no block");

    private static (string Name, long Length, Func<Hash256>? HashOf) HashedFile(string name, string path) =>
        (name, new FileInfo(path).Length, () => DocumentStore.HashFileAsync(path, CancellationToken.None).GetAwaiter().GetResult());

    private static FileInfo Stat(string path)
    {
        var info = new FileInfo(path);
        info.Refresh();
        return info;
    }

    private static (string Name, long Length, Func<Hash256>? HashOf) Vouched(string name, long length, Hash256 hash) => (name, length, () => hash);

    private static VerifyReport Report(ChainVerifier verifier, VerifyIssue? issue) =>
        new(verifier.Blocks, verifier.Transactions, verifier.StateRoot.ToString(), issue);
}
