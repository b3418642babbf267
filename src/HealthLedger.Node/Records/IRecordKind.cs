using HealthLedger.Core.Transactions;

namespace HealthLedger.Node.Records;

/// <summary>
/// One kind of sealed hospital record (patients, doctors, entries, reports…) as the node's decrypted read model holds it.
/// Each feature registers its kind once (<see cref="RecordKindRegistration.AddRecordKind{T}"/>); the read model, the
/// consent re-wrap and every other list of record kinds derive from these registrations, so a kind cannot be known to
/// one and forgotten by another.
/// </summary>
public interface IRecordKind
{
    /// <summary>The prefix of the world-state keys that hold this kind's records (e.g. <c>patient/</c>).</summary>
    string StatePrefix { get; }

    /// <summary>The state keys of this kind that an accepted transaction wrote (none when it is not about this kind).</summary>
    IEnumerable<string> KeysWrittenBy(TxPayload payload);

    /// <summary>
    /// Decrypts and keeps the given state entries of this kind (all of them at start, in key order; the ones a block wrote
    /// after each commit, in transaction order). Entries that do not decode or open are skipped.
    /// </summary>
    void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener);

    /// <summary>
    /// At start, before <see cref="Load"/>: whether this kind kept its records at a clean stop at a block of this chain at or
    /// below the one the node starts at (<paramref name="tip"/>; <paramref name="stateRootAt"/> gives the state root a stored
    /// block's header names, or null). If so it returns how many records they are and the block they were kept at: the start
    /// does not read the kind's state entries, <see cref="Load"/> is given none and takes the kept records instead, and the
    /// blocks after the kept one are then applied to the kind as committed blocks are (their accepted transactions' writes).
    /// Null (the default) when nothing kept applies.
    /// </summary>
    KeptRecords? KeptFor(HealthLedger.Core.Ledger.BlockHeader tip, Func<ulong, HealthLedger.Core.Primitives.Hash256?> stateRootAt) => null;

    /// <summary>Called once at start when every kind has loaded and the blocks after kept records have been applied (<see cref="KeptFor"/>).</summary>
    void StartLoaded()
    {
    }

    /// <summary>
    /// Every sealed version of a patient's records of this kind with the consent category that covers it: a grant
    /// re-wraps the data keys of the versions in its categories for the grantee. Empty for kinds that are not a patient's.
    /// </summary>
    IEnumerable<SealedVersion> SealedVersions(string patientId);

    /// <summary>
    /// The patient's versions of this kind sealed with their own data key rather than under the patient's category key
    /// (<see cref="DataKeyedVersions"/>): the ones a grant re-wraps one by one. Looked up, not walked: usually empty.
    /// </summary>
    IEnumerable<SealedVersion> DataKeyedVersions(string patientId);

    /// <summary>
    /// Reads the patient a state value of this kind is about without opening it (null for a value that does not decode), or
    /// null when the kind does not say (then a grantee's load is given all of its entries): lets a grantee's load read only the
    /// granted patients' records of a kind whose values the node does not hold (<see cref="Ledger.LedgerNode.OnDemandPrefixes"/>).
    /// </summary>
    Func<byte[], string?>? PatientOfState => null;
}

/// <summary>What a kind kept across restarts stands for (<see cref="IRecordKind.KeptFor"/>).</summary>
/// <param name="Count">How many records.</param>
/// <param name="Height">The block they were kept at (at or below the start's).</param>
public sealed record KeptRecords(int Count, ulong Height);
