using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A user's login, replicated so that the user can log in at <b>any node of their own organisation</b> (issue 13 item 7):
/// the user's keys sealed by their password (Argon2id + AES-256-GCM), wrapped once more for the organisation's X25519 key,
/// so only that organisation's nodes can even open the wrapper, and only the password opens the keys. Published by a node
/// of the user's organisation at registration, password change and reset; <see cref="Version"/> counts up by one each
/// time and the newest committed one wins at every node, so an old password stops working everywhere. Core cannot read
/// <see cref="Sealed"/> (it holds no keys); it checks who publishes and the version. No PHI: a sealed secret and an id.
/// </summary>
/// <param name="UserId">The user.</param>
/// <param name="Version">1 for the first login, then the current version + 1.</param>
/// <param name="Sealed">The wrapped login (opaque to the chain).</param>
public sealed record SealLoginPayload(string UserId, ulong Version, ReadOnlyMemory<byte> Sealed) : TxPayload
{
    /// <summary>Largest wrapped login.</summary>
    public const int MaxSealedLength = 4096;

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.SealLogin;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(UserId).VarUInt(Version).Bytes(Sealed.Span);

    /// <summary>The state value <c>login/&lt;user&gt;</c>: version 1 · login version · wrapped login.</summary>
    public byte[] EncodeState() => new CanonicalWriter(16 + Sealed.Length).U8(1).VarUInt(Version).Bytes(Sealed.Span).ToArray();

    /// <summary>Reads a state value written by <see cref="EncodeState"/>; null when damaged.</summary>
    public static (ulong Version, byte[] Sealed)? DecodeState(ReadOnlySpan<byte> value)
    {
        var r = new CanonicalReader(value);
        if (!r.U8(out var v) || v != 1 || !r.VarUInt(out var version) || !r.Bytes(out var sealedBytes, MaxSealedLength, "login") || !r.End()) return null;
        return (version, sealedBytes.ToArray());
    }
}

/// <summary>Executes <see cref="SealLoginPayload"/>.</summary>
public sealed class SealLoginHandler : TxKindHandler<SealLoginPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.SealLogin;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out SealLoginPayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "user id");
        r.VarUInt(out var version);
        r.Bytes(out var sealedBytes, SealLoginPayload.MaxSealedLength, "login");
        payload = new SealLoginPayload(id, version, sealedBytes.ToArray());
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(SealLoginPayload p)
    {
        if (!Identifiers.IsValid(p.UserId)) return Invalid("userId", Identifiers.Rule);
        if (p.Version < 1) return Invalid("version", "versions start at 1");
        if (p.Sealed.IsEmpty) return Invalid("sealed", "must not be empty");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, SealLoginPayload p)
    {
        if (context.Signer is not { Kind: SignerKind.Node } signer) return TxResult.Reject(TxVerdict.Unauthorized, "only a node of the user's organisation publishes a login");
        if (!context.State.TryGet(StateKeys.User(p.UserId), out var userBytes) || UserRecord.TryDecode(userBytes) is not { } user)
        {
            return TxResult.Reject(TxVerdict.NotFound, $"user '{p.UserId}' is not registered");
        }
        if (!context.State.TryGet(StateKeys.Node(signer.Id), out var nodeBytes) || NodeRecord.TryDecode(nodeBytes) is not { } node || node.OrganisationId != user.OrganisationId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only a node of organisation '{user.OrganisationId}' publishes its users' logins");
        }
        var current = context.State.TryGet(StateKeys.Login(p.UserId), out var existing) && SealLoginPayload.DecodeState(existing) is { } login ? login.Version : 0;
        if (p.Version != current + 1) return TxResult.Reject(TxVerdict.Conflict, $"version: the login of '{p.UserId}' is at version {current}; the next is {current + 1}");
        context.State.Set(StateKeys.Login(p.UserId), p.EncodeState());
        return TxResult.Ok;
    }
}
