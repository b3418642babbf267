using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Verification;

/// <summary>
/// Re-derives a whole chain from genesis: feed it every stored block in height order with <see cref="Add(StoredBlock)"/>, then the
/// stored world state with <see cref="CheckState"/>. It re-hashes every block, checks every signature, re-executes
/// every transaction and compares every receipt, receipts root and state root. The first mismatch is returned.
/// Pure: it holds the re-derived state in memory and does no I/O.
/// </summary>
public sealed class ChainVerifier
{
    private readonly TransactionSignatureCheck? _signatureCheck;

    /// <summary>A verifier that checks transaction signatures one after the other.</summary>
    public ChainVerifier() { }

    /// <summary>
    /// A verifier whose transaction signatures are checked by <paramref name="signatureCheck"/> (the host's: in parallel, or with
    /// signatures it verified ahead of re-execution); it must give the same answer as checking them one after the other.
    /// </summary>
    public ChainVerifier(TransactionSignatureCheck? signatureCheck) => _signatureCheck = signatureCheck;

    private readonly WorldState _state = WorldState.Load([]);
    private readonly Dictionary<string, ulong> _writtenAt = new(StringComparer.Ordinal);
    private BlockHeader? _previous;
    private NetworkConfig? _network;

    /// <summary>The record ciphertexts the verified blocks reference.</summary>
    public RecordBlobChecks Blobs { get; } = new();

    /// <summary>Blocks verified so far.</summary>
    public ulong Blocks { get; private set; }

    /// <summary>Transactions verified so far.</summary>
    public ulong Transactions { get; private set; }

    /// <summary>The re-derived state root after the last verified block.</summary>
    public Hash256 StateRoot => _state.Root;

    /// <summary>The network id, once genesis is verified.</summary>
    public string? NetworkId => _network?.NetworkId;

    /// <summary>The signing keys of the validators that decide the next block (the set in the re-derived state), in id order.</summary>
    public IReadOnlyList<SigningPublicKey> ValidatorKeys => ValidatorSet.Read(_state).Select(n => n.SigningKey).ToList();

    /// <summary>True when more than one node votes (documents then arrive by replication and may lag).</summary>
    public bool Replicated => ValidatorSet.Ids(_state).Count > 1;

    /// <summary>The last verified header.</summary>
    public BlockHeader? Tip => _previous;

    /// <summary>
    /// Verifies the next block: its rows with <see cref="BlockChecks.CheckStored(StoredBlock, int, bool, out Block?)"/>, its rules with <see cref="BlockValidator"/>
    /// (the proposer must be one of the validators in the re-derived state), then each stored receipt against the re-executed
    /// one. Returns the first problem, or null.
    /// </summary>
    public VerifyIssue? Add(StoredBlock stored) => Add(stored, decoded: null);

    /// <summary>
    /// As <see cref="Add(StoredBlock)"/>, with the block's transactions as the caller decoded them already (null entries, or
    /// entries that are not exactly the stored bytes, are decoded here; see
    /// <see cref="BlockChecks.CheckStored(StoredBlock, int, bool, IReadOnlyList{Transactions.Transaction?}?, out Block?)"/>).
    /// </summary>
    public VerifyIssue? Add(StoredBlock stored, IReadOnlyList<Transactions.Transaction?>? decoded)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var expected = _previous is null ? 0 : _previous.Height + 1;
        if (stored.Height != expected)
        {
            return VerifyIssue.InBlock(stored.Height, $"expected block {expected} next: the store skips or repeats a height");
        }
        var issue = BlockChecks.CheckStored(stored, _network?.Policy.MaxTxBytes ?? ChainPolicy.MaxTxBytesCeiling, quick: false, decoded, out var block);
        if (issue is not null) return issue;
        var header = block!.Header;

        var context = new BlockContext
        {
            NetworkId = _network?.NetworkId,
            Previous = _previous,
            Validators = _previous is null ? null : ValidatorKeys,
            MaxTransactions = _network?.Policy.MaxBlockTxs,
            SignatureCheck = _signatureCheck,
        };
        var verdict = BlockValidator.Validate(block, context, _state);
        if (verdict.Execution is { } execution)
        {
            // A stored receipt that differs is named before a root that differs: it points at the transaction.
            for (var i = 0; i < execution.Receipts.Count; i++)
            {
                var derived = execution.Receipts[i];
                if (!derived.Encode().AsSpan().SequenceEqual(stored.Receipts[i]))
                {
                    var storedText = Receipt.TryDecode(stored.Receipts[i], out var s, out _) ? Describe(s!) : "undecodable";
                    return VerifyIssue.InTransaction(header.Height, i, derived.TxId.ToString(),
                        $"stored receipt ({storedText}) differs from the re-executed outcome ({Describe(derived)})");
                }
            }
        }
        if (!verdict.IsOk) return VerifyIssue.InBlock(block, verdict);
        _state.Apply(verdict.Execution!.Changes, verdict.Tree);
        foreach (var (key, value) in verdict.Execution.Changes.Entries)
        {
            if (value is null) _writtenAt.Remove(key);
            else _writtenAt[key] = header.Height;
        }
        Blobs.Add(block, verdict.Execution.Receipts);
        if (_network is null)
        {
            _network = _state.TryGet(StateKeys.Network, out var bytes) ? NetworkConfig.TryDecode(bytes) : null;
            if (_network is null) return VerifyIssue.InBlock(header.Height, "genesis did not configure the network");
        }
        _previous = header;
        Blocks++;
        Transactions += (ulong)block.Transactions.Count;
        return null;
    }

    /// <summary>
    /// Compares the stored world state (in ordinal key order) with the re-derived one and names the first
    /// entry that is changed, missing or extra.
    /// </summary>
    public VerifyIssue? CheckState(IEnumerable<KeyValuePair<string, byte[]>> stored)
    {
        using var expected = _state.Entries.GetEnumerator();
        using var actual = stored.GetEnumerator();
        var hasExpected = expected.MoveNext();
        var hasActual = actual.MoveNext();
        while (hasExpected || hasActual)
        {
            var order = !hasExpected ? 1 : !hasActual ? -1 : string.CompareOrdinal(expected.Current.Key, actual.Current.Key);
            if (order < 0) return VerifyIssue.InState(expected.Current.Key, "missing from the stored state");
            if (order > 0) return VerifyIssue.InState(actual.Current.Key, "stored but not produced by any transaction");
            if (!expected.Current.Value.AsSpan().SequenceEqual(actual.Current.Value))
            {
                return VerifyIssue.InState(actual.Current.Key, "stored value differs from the value re-derived from the chain");
            }
            hasExpected = expected.MoveNext();
            hasActual = actual.MoveNext();
        }
        return null;
    }

    /// <summary>
    /// Compares the height each stored state entry is filed under (the block that last wrote it) with the re-derived one; names
    /// the first entry whose height differs. Entries the re-derived state does not hold are left to <see cref="CheckState"/>.
    /// </summary>
    public VerifyIssue? CheckStateHeights(IEnumerable<(string Key, ulong Height)> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        foreach (var (key, height) in stored)
        {
            if (_writtenAt.TryGetValue(key, out var written) && written != height)
            {
                return VerifyIssue.InState(key, $"filed under height {height}, but block {written} last wrote it");
            }
        }
        return null;
    }

    private static string Describe(Receipt r) => r.Verdict == TxVerdict.Ok ? "Ok" : $"{r.Verdict}: {r.Reason}";
}
