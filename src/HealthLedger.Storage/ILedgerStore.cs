using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>
/// A node's ledger: blocks, their transactions and receipts, the world state, record ciphertexts (blobs), commit certificates
/// and the node's own consensus voting state. Implementations: <see cref="SqliteLedgerStore"/> (the embedded default) and
/// <see cref="PostgresLedgerStore"/>; <see cref="LedgerLocation"/> opens a node's. Every implementation passes the same contract
/// tests (<c>LedgerStoreContract</c>).
/// </summary>
/// <remarks>
/// <para><b>Atomicity.</b> <see cref="Commit"/> writes a block with its transactions, receipts, state changes, blobs and
/// certificate in one storage transaction: after any failure, crash or kill the store holds either all of it or none of it,
/// and <see cref="TipHeight"/> only moves when all of it is stored. Readers never see part of a block.</para>
/// <para><b>Concurrency.</b> One writer at a time (<see cref="Commit"/> and <see cref="SaveConsensusState"/> are serialised);
/// reads may run on any thread at the same time as a write.</para>
/// <para><b>Missing things.</b> Reads of a height, hash, id or key that is not stored return null (single values) or an
/// empty sequence (collections); they never throw for that. Byte arrays returned are the caller's own copies.</para>
/// <para><b>Failures.</b> Exceptions are for misuse (documented per member) and for I/O failure of the backing storage,
/// which surfaces as the backend's own exception (<c>SqliteException</c>, <c>NpgsqlException</c>). Opening a store that is not a HealthLedger
/// ledger of a known version throws <see cref="StoreCorruptException"/> (see the implementation's factory).</para>
/// </remarks>
public interface ILedgerStore : IDisposable
{
    /// <summary>The height of the last committed block, or null while the store holds no block.</summary>
    ulong? TipHeight { get; }

    /// <summary>
    /// Why the store refuses every write from now on, when it found that out by itself, with no write asked of it, or null
    /// (<see cref="SqliteLedgerStore"/>: its checkpoint thread failed, <see cref="CheckpointFailedException"/>; the next write
    /// throws the same). Once set it stays set. A node polls it, reports it in <c>/healthz</c> and stops, as on a failed commit,
    /// rather than waiting idle for a write that would fail. The message names the file and SQLite's error, nothing of the data.
    /// </summary>
    Exception? WriteFailure { get; }

    /// <summary>
    /// Commits block <paramref name="block"/> atomically (see the remarks on <see cref="ILedgerStore"/>) with one receipt per
    /// transaction (same order), the state writes of <paramref name="changes"/> (a null value deletes the key), the record
    /// ciphertexts its accepted transactions reference (<paramref name="blobs"/>, keyed by the SHA-256 of their bytes; a blob
    /// already stored under the same hash is kept as it was, filed under its first height) and the consensus certificate that
    /// decided it (opaque bytes; null for genesis and single-node blocks). The store does not re-validate the block.
    /// When <paramref name="consensusState"/> is given, the node's consensus voting state is replaced in the same storage
    /// transaction (as <see cref="SaveConsensusState"/> would, without a second durable write): the block and the votes that
    /// decided it become durable together, or neither does.
    /// </summary>
    /// <exception cref="InvalidOperationException">The block is not the next height (tip + 1, or 0 for an empty store), or the
    /// store is open read-only. Nothing is written.</exception>
    /// <exception cref="ArgumentException">The number of receipts differs from the number of transactions. Nothing is written.</exception>
    void Commit(Block block, IReadOnlyList<Receipt> receipts, StateChangeSet changes, IReadOnlyDictionary<Hash256, byte[]>? blobs = null,
        byte[]? certificate = null, byte[]? consensusState = null);

    /// <summary>Reads one block as stored (header bytes, hash, transactions and receipts), or null when there is none at <paramref name="height"/>.</summary>
    StoredBlock? ReadBlock(ulong height);

    /// <summary>
    /// Streams the stored blocks from <paramref name="from"/> to <paramref name="to"/> (both inclusive) in height order, each
    /// with its transactions and receipts in block order; empty when none is stored in the range. Rows filed under a height
    /// that has no block (a sign of tampering) are skipped and counted in <paramref name="orphans"/>.
    /// </summary>
    IEnumerable<StoredBlock> ReadBlocks(ulong from = 0, ulong to = long.MaxValue, OrphanCounter? orphans = null);

    /// <summary>
    /// Streams the stored world state (key, value) in the store's key order, the order of the keys' UTF-8 bytes
    /// (<see cref="Utf8Order"/>; ordinal order too for keys without surrogates, as every key the node writes: ids, hex hashes,
    /// numbers): only the keys that start with <paramref name="prefix"/>, or all of them for the empty prefix. Empty when nothing
    /// matches.
    /// </summary>
    /// <exception cref="InvalidDataException">A row is stored with other types than the store writes (SQLite: not a TEXT key
    /// and a BLOB value; a hand edit).</exception>
    IEnumerable<KeyValuePair<string, byte[]>> ReadState(string prefix = "");

    /// <summary>
    /// The whole stored world state, as <see cref="ReadState"/> with the empty prefix streams it (the same rows in the same
    /// order: the store's key order, UTF-8 bytes, <see cref="Utf8Order"/>), read at once: the start-up check's load, which a
    /// store may spread over several readers.
    /// </summary>
    IReadOnlyList<KeyValuePair<string, byte[]>> ReadAllState() => ReadState().ToList();

    /// <summary>
    /// Opens a view of the world state as it is now that lasts until it is disposed (<see cref="IStateSnapshot"/>; SQLite: read
    /// transactions held open; PostgreSQL: a <c>REPEATABLE READ</c> transaction). The default reads the rows at once and holds them.
    /// </summary>
    IStateSnapshot OpenStateSnapshot() => new HeldStateSnapshot(ReadAllState());

    /// <summary>One state value as stored (not a node's in-memory copy), or null when the key is not in the state.</summary>
    /// <exception cref="InvalidDataException">The row is stored with other types than the store writes (SQLite: not a TEXT key
    /// and a BLOB value; a hand edit), as in every read of state rows.</exception>
    byte[]? ReadStateValue(string key);

    /// <summary>A record ciphertext by the SHA-256 it is filed under, or null.</summary>
    byte[]? ReadBlob(Hash256 hash);

    /// <summary>
    /// The record ciphertexts filed under <paramref name="hashes"/>, in the same order (null where none is stored; a hash asked
    /// twice is answered twice), read in one go rather than one read per hash: the read model's load at start asks for
    /// thousands at a time.
    /// </summary>
    byte[]?[] ReadBlobs(IReadOnlyList<Hash256> hashes);

    /// <summary>
    /// Streams every stored record ciphertext as (the 32-byte hash it is filed under, its bytes, the height it is filed under),
    /// in hash order (bytewise).
    /// </summary>
    IEnumerable<(byte[] Hash, byte[] Data, ulong Height)> ReadBlobs();

    /// <summary>Streams every stored state entry's key with the height it is filed under (the block that last wrote it), in the store's key order (as <see cref="ReadState"/>).</summary>
    IEnumerable<(string Key, ulong Height)> ReadStateHeights();

    /// <summary>
    /// What is wrong with the store's own lookup structures that the chain's checks cannot see (SQLite: the transactions table and
    /// its transaction-id index, through SQLite's <c>PRAGMA integrity_check(transactions)</c>: a damaged index made the node answer
    /// 404 for a committed transaction while every block verified), or null when they are sound or the store has no such check.
    /// </summary>
    string? IndexProblem() => null;

    /// <summary>
    /// The first state entry (in the store's key order, as <see cref="ReadState"/>) filed under a height above <paramref name="height"/>, or null when there is
    /// none: the start-up check's test that no state row lies after the tip, asked of the store instead of reading every key.
    /// </summary>
    (string Key, ulong Height)? FirstStateFiledAfter(ulong height);

    /// <summary>
    /// The record ciphertexts among <paramref name="referenced"/> (a block's record references) that were first stored with block
    /// <paramref name="height"/>, each once, in hash order; empty when none. Given that block's references, it is every ciphertext
    /// first stored with it. Each is looked up by its hash, so a read costs the block's references, not the number of ciphertexts
    /// stored (a node serving blocks to a peer that catches up reads each block's this way).
    /// </summary>
    IReadOnlyList<(Hash256 Hash, byte[] Data)> ReadBlobsAt(ulong height, IEnumerable<Hash256> referenced);

    /// <summary>Where a committed transaction landed (height, index in the block) and its decoded receipt, or null when no committed transaction has that id.</summary>
    CommittedTransaction? FindTransaction(Hash256 id);

    /// <summary>The consensus certificate stored with block <paramref name="height"/>, or null (no such block, genesis, blocks decided by a single node before consensus).</summary>
    byte[]? ReadCertificate(ulong height);

    /// <summary>
    /// Durably stores the node's consensus voting state (opaque bytes), replacing the previous one, before the node sends what it
    /// signed: after a crash it must never sign a conflicting vote. Atomic: a reader sees the old or the new state, never a mix.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store is open read-only.</exception>
    void SaveConsensusState(byte[] state);

    /// <summary>The node's last saved consensus voting state, or null when none was ever saved.</summary>
    byte[]? ReadConsensusState();

    /// <summary>
    /// Stores the votes the node holds for the height it is deciding (opaque bytes, see <c>ReceivedVotesCodec</c>), replacing
    /// the previous ones, so a restarted node can re-gossip them. Atomic; losing the last save loses only votes others
    /// also hold (nothing this node signed depends on them).
    /// </summary>
    /// <exception cref="InvalidOperationException">The store is open read-only.</exception>
    void SaveReceivedVotes(byte[] votes);

    /// <summary>The votes last saved by <see cref="SaveReceivedVotes"/>, or null when none were (or the file predates them).</summary>
    byte[]? ReadReceivedVotes();

    /// <summary>
    /// Durably stores disclosures the node has served (each its id and opaque bytes, the canonical <c>DisclosureEvent</c>
    /// encoding) in one storage transaction, after those stored before: after a crash or kill they are still there to be
    /// submitted. An id already pending is kept as it was.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store is open read-only.</exception>
    void SavePendingDisclosures(IReadOnlyList<(Hash256 Id, byte[] Event)> disclosures);

    /// <summary>
    /// At most <paramref name="max"/> pending disclosures, oldest first, skipping the first <paramref name="skip"/>; empty when
    /// none (or the file, opened read-only, predates them).
    /// </summary>
    IReadOnlyList<(Hash256 Id, byte[] Event)> ReadPendingDisclosures(int max, int skip = 0);

    /// <summary>How many disclosures are pending (0 when the file, opened read-only, predates them).</summary>
    long CountPendingDisclosures();

    /// <summary>Forgets the pending disclosures with these ids (those the chain now holds), in one storage transaction; unknown ids are ignored.</summary>
    /// <exception cref="InvalidOperationException">The store is open read-only.</exception>
    void DeletePendingDisclosures(IReadOnlyCollection<Hash256> ids);

    /// <summary>
    /// The store's independent record of its committed tip (<see cref="LedgerTip"/>: height and hash of the last committed block,
    /// kept outside the store's own files and replaced durably after every <see cref="Commit"/> that reaches or passes it: it never
    /// moves back), or null when none was ever
    /// written. A store whose blocks end below it has lost committed blocks.
    /// </summary>
    /// <exception cref="InvalidDataException">The record is damaged.</exception>
    LedgerTip? ReadRecordedTip();

    /// <summary>
    /// At a clean stop: moves everything committed into the store's main files (SQLite: checkpoints and empties the write-ahead
    /// log), so that nothing committed depends on a log file any more. True when it completed; false when it could not now (it
    /// is then done by SQLite later; nothing committed is lost either way) or the store is open read-only.
    /// </summary>
    bool Checkpoint();

    /// <summary>The number of committed transactions in all blocks.</summary>
    long CountTransactions();
}
