using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Registers a user of an organisation with their public keys. Only an admin of that organisation may sign it.</summary>
/// <param name="UserId">The new user's id (login name).</param>
/// <param name="Role">The new user's role.</param>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="SigningKey">The new user's Ed25519 key.</param>
/// <param name="EncryptionKey">The new user's X25519 key.</param>
public sealed record RegisterUserPayload(string UserId, Role Role, string OrganisationId, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RegisterUser;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) =>
        writer.Text(UserId).U8((byte)Role).Text(OrganisationId).Key(SigningKey).Key(EncryptionKey);
}

/// <summary>Executes <see cref="RegisterUserPayload"/>.</summary>
public sealed class RegisterUserHandler : TxKindHandler<RegisterUserPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RegisterUser;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RegisterUserPayload payload)
    {
        r.Text(out var userId, Identifiers.MaxLength, "user id");
        r.U8(out var role);
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.Key(out SigningPublicKey signing, "signing key");
        r.Key(out EncryptionPublicKey encryption, "encryption key");
        payload = new RegisterUserPayload(userId, (Role)role, org, signing, encryption);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RegisterUserPayload p)
    {
        if (!Identifiers.IsValid(p.UserId)) return Invalid("userId", Identifiers.Rule);
        if (!Enum.IsDefined(p.Role)) return Invalid("role", $"{(byte)p.Role} is not a role");
        if (!Identifiers.IsValid(p.OrganisationId)) return Invalid("organisationId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RegisterUserPayload p)
    {
        var signer = context.SignerUser;
        if (signer is not { Role: Role.Admin } || signer.OrganisationId != p.OrganisationId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only an admin of organisation '{p.OrganisationId}' may register its users");
        }
        if (context.GetOrganisation(p.OrganisationId) is null)
        {
            return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.OrganisationId}' does not exist");
        }
        if (Governance.Consortium.RescueServiceRegistrationProblem(context.State, p.OrganisationId, p.Role) is { } rescueOnly) return rescueOnly;
        if (context.RequireNewUser(p.UserId, p.SigningKey) is { } taken) return taken;
        context.CreateUser(p.UserId, p.Role, p.OrganisationId, p.SigningKey, p.EncryptionKey);
        return TxResult.Ok;
    }
}
