using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>The outcome of verifying a stored chain.</summary>
/// <param name="Blocks">Blocks that verified.</param>
/// <param name="Transactions">Transactions that verified.</param>
/// <param name="StateRoot">The re-derived state root after the last verified block (<see cref="VerifyMode.Quick"/>: the stored state's root).</param>
/// <param name="Issue">The first problem, or null when everything matches.</param>
public sealed record VerifyReport(ulong Blocks, ulong Transactions, string StateRoot, VerifyIssue? Issue)
{
    /// <summary>Documents the chain references that have not been replicated to this node yet (multi-node networks only).</summary>
    public int DocumentsPending { get; init; }

    /// <summary>True when the problem is the store against its tip record (<see cref="StoreVerifier.CheckTipRecord"/>): committed blocks are missing or the record is.</summary>
    public bool TipProblem { get; init; }

    /// <summary>True when everything matched.</summary>
    public bool Ok => Issue is null;

    /// <summary><see cref="VerifyMode.Quick"/> only: the stored world state, loaded (what a node runs on); null otherwise or when it failed.</summary>
    public WorldState? State { get; init; }

    /// <summary><see cref="VerifyMode.Quick"/> only: the network configuration in the stored state.</summary>
    public NetworkConfig? Network { get; init; }

    /// <summary><see cref="VerifyMode.Quick"/> only: the last block's header.</summary>
    public BlockHeader? Tip { get; init; }

    /// <summary><see cref="VerifyMode.Quick"/> only: the documents the chain references (files not among them are uploads whose commit never happened).</summary>
    public IReadOnlySet<Hash256> ReferencedDocuments { get; init; } = new HashSet<Hash256>();

    /// <summary>
    /// <see cref="VerifyMode.Quick"/> with a certificate check only, when it passed on a chain longer than
    /// <see cref="StoreVerifier.RecentWindow"/> blocks: what the next start-up check may take on trust
    /// (<see cref="CheckedPrefix.Write"/>); null otherwise.
    /// </summary>
    public CheckedPrefix? Checked { get; init; }

    /// <summary>
    /// <see cref="VerifyMode.Quick"/> only: the height up to which this check took the blocks and their ciphertexts on trust
    /// from an earlier check's record (<see cref="CheckedPrefix"/>), for <see cref="StoreVerifier.Sweep"/> to re-check; null
    /// when it read every block.
    /// </summary>
    public ulong? TrustedThrough { get; init; }

    /// <summary>
    /// True when a passing quick check built the world state's tree from <see cref="StateTreeFile"/> (kept at the last clean
    /// stop) instead of hashing every state entry: the integrity sweep (<see cref="StoreVerifier.SweepState"/>) hashes them
    /// after the start.
    /// </summary>
    public bool StateTakenOnTrust => StateOnTrust is not null;

    /// <summary>
    /// When a passing quick check took the state on trust: the view of the store it loaded the state from, still open, and the
    /// tree it took on trust, which the integrity sweep checks the view's rows against (<see cref="StoreVerifier.SweepState"/>);
    /// null otherwise. Whoever holds the report disposes the view.
    /// </summary>
    public TrustedState? StateOnTrust { get; init; }

    /// <summary>
    /// <see cref="VerifyMode.Quick"/> only: the document files not to set aside as uploads whose commit never happened: the
    /// referenced ones, and with blocks taken on trust also every file older than the earlier check's record.
    /// </summary>
    public IReadOnlySet<Hash256> KeptDocuments { get; init; } = new HashSet<Hash256>();

    /// <summary><see cref="VerifyMode.Quick"/> only: true when the check relied on an earlier check's record (then a failing
    /// check is done again without it).</summary>
    public bool UsedRecord { get; init; }

    /// <summary><see cref="VerifyMode.Quick"/> only: the referenced documents not stored here (a replicated network fetches them from peers).</summary>
    public IReadOnlyList<DocumentRef> MissingDocuments { get; init; } = [];
}

/// <summary>
/// The world state a start-up check took on trust (<see cref="VerifyReport.StateOnTrust"/>): the view of the store its rows were
/// loaded from (<see cref="IStateSnapshot"/>, open until disposed), and the tree taken with them (<see cref="StateTreeFile"/>,
/// whose root is the tip block's state root).
/// </summary>
/// <param name="Rows">The view the state was loaded from.</param>
/// <param name="Tree">The state's tree as the start took it: its leaves are the (key hash, value hash) the rows must have.</param>
public sealed record TrustedState(IStateSnapshot Rows, SparseMerkleTree Tree) : IDisposable
{
    /// <summary>Ends the view (<see cref="IDisposable.Dispose"/> of <see cref="Rows"/>).</summary>
    public void Dispose() => Rows.Dispose();
}
