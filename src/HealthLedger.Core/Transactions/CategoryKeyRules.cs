using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions;

/// <summary>
/// The state machine's rules for a patient's sealed records and their category keys (what can be checked without
/// secrets). A record is sealed either with X25519 envelopes for each reader (the custodian organisation and the patient
/// at least), or under the patient's category key (<see cref="CategoryKeyWrap"/>). Under a category key:
/// <list type="bullet">
/// <item>the wrap names this patient and the record's single category, and the record carries no per-reader envelopes;</item>
/// <item>it uses the category's current epoch, or opens the next one (epoch = current + 1) with its readers and, from epoch
/// 2, optionally the previous epoch's key sealed under the new one (the key chain, <see cref="Crypto.CategoryKeyCrypto.SealPreviousKey"/>;
/// only an opening record carries it); repeating the announcement of the current epoch with envelopes and chain byte-identical
/// to the stored ones is a no-op (concurrent writers);</item>
/// <item>every reader of the epoch it uses must still be a reader at the block's time: the custodian organisation, the
/// patient, or a doctor or organisation whose active grant covers the category. When a grant was revoked, replaced
/// without the category or expired, the current epoch is stale and the next record must open a new epoch without that
/// grantee (rotation on revocation) — refused otherwise;</item>
/// <item>the epoch's readers include the custodian organisation and the patient (when registered);</item>
/// <item>once a category has a key, the per-reader form is refused for its later records (it would bypass rotation);</item>
/// <item>an epoch wrapped for the rescuers of an emergency that is over, or for the doctor of a break-glass access that has
/// expired, is stale likewise: the next record opens a new epoch (<see cref="Emergencies.ReleasedEpochs.StaleUnder"/>).</item>
/// </list>
/// Whether a wrapped key really opens is not checkable without secrets (as for the envelopes of the per-reader form).
/// </summary>
public static class CategoryKeyRules
{
    /// <summary>
    /// The words of the refusal of a record that opens an epoch naming a reader who may not read the category at the block's
    /// time (<c>record: doctor 'd' may not read the patient's Reports records</c>). An honest writer meets it when a grant
    /// was revoked or expired between sealing and ordering; it then seals the record again.
    /// </summary>
    public const string NotAReader = "may not read the patient's";

    /// <summary>
    /// Null when <paramref name="record"/>, a record of <paramref name="patientId"/> in <paramref name="category"/>, is sealed
    /// for its readers; otherwise the rejection. A record that opens an epoch writes it to the state.
    /// </summary>
    public static TxResult? RequireReaders(TxContext context, Transaction tx, SealedRecordRef record, string patientId, ConsentCategories category,
        OrganisationRecord custodian, EncryptionPublicKey? patientKey)
    {
        if (record.KeyWrap is not { } wrap)
        {
            // Once a category has a key, its later records use it: per-reader envelopes would bypass the rotation rule.
            if (CategoryKeyState.CurrentEpoch(context.State, patientId, category) is > 0 and var epoch)
            {
                return Invalid($"the patient's {category} records are under a category key (epoch {epoch}); seal the record under it");
            }
            return TxContext.RequireEnvelopes(record, ("the organisation", custodian.EncryptionKey))
                ?? (patientKey is { } pk ? TxContext.RequireEnvelopes(record, ("the patient", pk)) : null);
        }
        if (record.Envelopes.Count != 0) return Invalid("a record under a category key carries no per-reader envelopes");
        if (wrap.PatientId != patientId) return Invalid($"the category key is patient '{wrap.PatientId}''s, not '{patientId}''s");
        if (wrap.Category != category) return Invalid($"the record belongs to category {category}, not {wrap.Category}");
        var current = CategoryKeyState.CurrentEpoch(context.State, patientId, category);
        IReadOnlyList<CategoryKeyReader> readers;
        var opens = wrap.NewEpoch.Count > 0 && wrap.Epoch == current + 1;
        if (wrap.PreviousKey is not null && wrap.NewEpoch.Count == 0) return Invalid("only a record that opens a key epoch carries the previous epoch's key");
        if (opens)
        {
            if (wrap.NewEpoch.Select(r => (r.Kind, r.Id)).Distinct().Count() != wrap.NewEpoch.Count) return Invalid("a reader appears twice in the new category key");
            if (wrap.PreviousKey is not null && wrap.Epoch < 2) return Invalid("the first key epoch has no previous epoch's key");
            readers = wrap.NewEpoch;
        }
        else
        {
            if (current == 0) return Invalid($"patient '{patientId}' has no {category} key yet: the record must open epoch 1");
            if (wrap.Epoch != current) return TxResult.Reject(TxVerdict.Conflict, $"record: the current {category} key is epoch {current}, not {wrap.Epoch}");
            var stored = CategoryKeyState.Get(context.State, patientId, category, current);
            readers = stored?.Readers ?? [];
            // A repeated announcement carries the same previous epoch's key as the stored one, byte for byte (or none when it had none).
            if (wrap.NewEpoch.Count > 0 && !SameBytes(wrap.PreviousKey, stored?.PreviousKey))
            {
                return TxResult.Reject(TxVerdict.Conflict, $"record: the {category} key of epoch {current} was already opened with another key chain");
            }
            // Rescuers of an emergency, or the doctor of a break-glass access, that is over hold this epoch's key: rotate, as after a revocation.
            if (Emergencies.ReleasedEpochs.StaleUnder(context.State, patientId, category, current, context.Timestamp) is { } holder)
            {
                return TxResult.Reject(TxVerdict.Conflict, $"record: {holder}, now over, received the {category} key of epoch {current}: the category key must be rotated (a new epoch)");
            }
            // Writers racing to open the same epoch carry the same announcement: once it is open, the later ones are a no-op.
            if (!wrap.NewEpoch.All(readers.Contains)) return TxResult.Reject(TxVerdict.Conflict, $"record: the {category} key of epoch {current} was already opened with other keys");
        }
        foreach (var reader in readers)
        {
            if (!IsReader(context, reader, patientId, category, custodian, patientKey))
            {
                return opens
                    ? Invalid($"{Describe(reader)} {NotAReader} {category} records")
                    : TxResult.Reject(TxVerdict.Conflict, $"record: {Describe(reader)} no longer reads the patient's {category} records: the category key must be rotated (a new epoch)");
            }
        }
        if (!readers.Any(r => r.Kind == KeyReaderKind.Organisation && r.Id == custodian.Id)) return Invalid("no category key envelope for the organisation");
        if (patientKey is not null && !readers.Any(r => r.Kind == KeyReaderKind.Patient)) return Invalid("no category key envelope for the patient");
        if (opens)
        {
            var epoch = new CategoryKeyState(patientId, category, wrap.Epoch, wrap.NewEpoch, new RecordProof(tx.Id, context.Height, context.Timestamp), wrap.PreviousKey);
            context.State.Set(CategoryKeyState.Key(patientId, category, wrap.Epoch), epoch.Encode());
            context.State.Set(CategoryKeyState.CurrentKey(patientId, category), new Encoding.CanonicalWriter(8).VarUInt((ulong)wrap.Epoch).ToArray());
        }
        return null;
    }

    /// <summary>
    /// True when <paramref name="reader"/> may hold the patient's key for <paramref name="category"/> at the block's time,
    /// with an envelope addressed to their current encryption key.
    /// </summary>
    public static bool IsReader(TxContext context, CategoryKeyReader reader, string patientId, ConsentCategories category, OrganisationRecord custodian, EncryptionPublicKey? patientKey)
    {
        var to = reader.Envelope.Recipient;
        switch (reader.Kind)
        {
            case KeyReaderKind.Patient:
                return reader.Id == patientId && patientKey is { } pk && to == pk;
            case KeyReaderKind.Organisation when reader.Id == custodian.Id:
                return to == custodian.EncryptionKey;
            case KeyReaderKind.Organisation:
                return context.GetOrganisation(reader.Id) is { } org && to == org.EncryptionKey
                    && Consent.CurrentGrant(context.State, patientId, GranteeKind.Organisation, reader.Id)?.Allows(category, context.Timestamp) == true;
            case KeyReaderKind.Doctor:
                return context.GetUser(reader.Id) is { Role: Role.Doctor } doctor && to == doctor.EncryptionKey
                    && Consent.CurrentGrant(context.State, patientId, GranteeKind.Doctor, reader.Id)?.Allows(category, context.Timestamp) == true;
            default:
                return false;
        }
    }

    private static bool SameBytes(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static string Describe(CategoryKeyReader reader) => $"{reader.Kind.ToString().ToLowerInvariant()} '{reader.Id}'";

    private static TxResult Invalid(string reason) => TxResult.Reject(TxVerdict.InvalidField, "record: " + reason);
}
