using HealthLedger.Core.Model;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Transactions;

/// <summary>What a transaction sees while it executes: its own state overlay and the block it is in.</summary>
/// <param name="State">The transaction's overlay; discarded if the transaction is rejected.</param>
/// <param name="Height">Height of the block.</param>
/// <param name="Timestamp">Block timestamp (Unix ms).</param>
/// <param name="Signer">Who signed (null only for genesis).</param>
public sealed record TxContext(StateOverlay State, ulong Height, ulong Timestamp, SignerRecord? Signer)
{
    /// <summary>Reads a user.</summary>
    public UserRecord? GetUser(string id) => State.TryGet(StateKeys.User(id), out var v) ? UserRecord.TryDecode(v) : null;

    /// <summary>Reads an organisation.</summary>
    public OrganisationRecord? GetOrganisation(string id) =>
        State.TryGet(StateKeys.Organisation(id), out var v) ? OrganisationRecord.TryDecode(v) : null;

    /// <summary>The signing user, when the signer is a user.</summary>
    public UserRecord? SignerUser => Signer is { Kind: SignerKind.User } s ? GetUser(s.Id) : null;
}
