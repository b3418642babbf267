using HealthLedger.Core.Model;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Transactions;

/// <summary>What a transaction sees while it executes: its own state overlay and the block it is in.</summary>
/// <param name="State">The transaction's overlay; discarded if the transaction is rejected.</param>
/// <param name="Height">Height of the block.</param>
/// <param name="Timestamp">Block timestamp (Unix ms).</param>
/// <param name="Signer">Who signed (null only for genesis).</param>
/// <param name="TxIndex">The transaction's position in its block.</param>
public sealed record TxContext(StateOverlay State, ulong Height, ulong Timestamp, SignerRecord? Signer, int TxIndex = 0)
{
    /// <summary>The executing transaction's id (set by the block executor; zero in a check made outside a block).</summary>
    public Primitives.Hash256 TxId { get; init; }

    /// <summary>Reads a user.</summary>
    public UserRecord? GetUser(string id) => State.TryGet(StateKeys.User(id), out var v) ? UserRecord.TryDecode(v) : null;

    /// <summary>Reads an organisation.</summary>
    public OrganisationRecord? GetOrganisation(string id) =>
        State.TryGet(StateKeys.Organisation(id), out var v) ? OrganisationRecord.TryDecode(v) : null;

    /// <summary>The signing user, when the signer is a user.</summary>
    public UserRecord? SignerUser => Signer is { Kind: SignerKind.User } s ? GetUser(s.Id) : null;

    /// <summary>The signing node's record, when the signer is a registered node.</summary>
    public NodeRecord? SignerNode => Signer is { Kind: SignerKind.Node } s && State.TryGet(StateKeys.Node(s.Id), out var v) ? NodeRecord.TryDecode(v) : null;

    /// <summary>Reads a patient.</summary>
    public Records.PatientState? GetPatient(string id) => State.TryGet(StateKeys.Patient(id), out var v) ? Records.PatientState.TryDecode(v) : null;

    /// <summary>Reads a doctor's directory entry.</summary>
    public Records.DoctorState? GetDoctor(string id) => State.TryGet(StateKeys.Doctor(id), out var v) ? Records.DoctorState.TryDecode(v) : null;

    /// <summary>Reads an entry.</summary>
    public Records.EntryState? GetEntry(string id) => State.TryGet(StateKeys.Entry(id), out var v) ? Records.EntryState.TryDecode(v) : null;

    /// <summary>Null when the signer is an admin of <paramref name="organisationId"/>; otherwise the rejection.</summary>
    public Ledger.TxResult? RequireAdminOf(string organisationId, string action) =>
        SignerUser is { Role: Role.Admin } admin && admin.OrganisationId == organisationId
            ? null
            : Ledger.TxResult.Reject(Ledger.TxVerdict.Unauthorized, $"only an admin of organisation '{organisationId}' may {action}");

    /// <summary>
    /// Null when <paramref name="userId"/> and <paramref name="signingKey"/> are free; otherwise the rejection.
    /// </summary>
    public Ledger.TxResult? RequireNewUser(string userId, Primitives.SigningPublicKey signingKey)
    {
        if (State.Contains(StateKeys.User(userId))) return Ledger.TxResult.Reject(Ledger.TxVerdict.AlreadyExists, $"user id '{userId}' is taken");
        if (State.Contains(StateKeys.Signer(signingKey))) return Ledger.TxResult.Reject(Ledger.TxVerdict.AlreadyExists, "the signing key is already registered");
        return null;
    }

    /// <summary>Writes a new user and their signer record (after <see cref="RequireNewUser"/>).</summary>
    public void CreateUser(string userId, Role role, string organisationId, Primitives.SigningPublicKey signingKey, Primitives.EncryptionPublicKey encryptionKey)
    {
        State.Set(StateKeys.User(userId), new UserRecord(userId, role, organisationId, signingKey, encryptionKey, Timestamp).Encode());
        State.Set(StateKeys.Signer(signingKey), new SignerRecord(SignerKind.User, userId).Encode());
    }

    /// <summary>Null when the record carries envelopes for every key in <paramref name="required"/>; otherwise the rejection.</summary>
    /// <remarks>Only a patient's records may be sealed under a category key (<see cref="CategoryKeyRules"/>): this refuses one.</remarks>
    public static Ledger.TxResult? RequireEnvelopes(Records.SealedRecordRef record, params (string Who, Primitives.EncryptionPublicKey Key)[] required)
    {
        if (record.KeyWrap is not null) return Ledger.TxResult.Reject(Ledger.TxVerdict.InvalidField, "record: only a patient's records are sealed under a category key");
        foreach (var (who, key) in required)
        {
            if (!record.HasEnvelopeFor(key)) return Ledger.TxResult.Reject(Ledger.TxVerdict.InvalidField, $"record: no key envelope for {who}");
        }
        return null;
    }
}
