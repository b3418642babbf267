using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Audit;

/// <summary>
/// Auditor accounts of the admin's organisation: an admin registers one (a <see cref="RegisterUserPayload"/> with role
/// <see cref="Role.Auditor"/>, signed with the admin's key) with a login and a one-time password the auditor must replace at
/// their first login, as doctors and patients do; the login is published on the chain, so the auditor logs in at any node of
/// the organisation. An auditor reads the consortium's governance, the organisation's disclosure trail (ids, no PHI) and the
/// ledger's blocks, and no record: every clinical read checks the patient's consent or the organisation's admin role.
/// </summary>
public sealed class AuditorService(LedgerNode node, RecordWriter writer)
{
    /// <summary>
    /// Registers an auditor of the admin's organisation: 201 with the one-time password (shown once); 403 for anyone but an
    /// admin; 400 naming <c>auditorId</c> when it is not an id; 409 naming <c>auditorId</c> when a user already has it.
    /// </summary>
    public async Task<Outcome<WriteResult>> RegisterAsync(UserSession actor, AuditorInput input, CancellationToken ct)
    {
        if (actor.Role != Role.Admin) return Outcome<WriteResult>.Forbidden("Only an admin registers auditors of their organisation.");
        var id = input.AuditorId?.Trim();
        if (!Identifiers.IsValid(id)) return Outcome<WriteResult>.Invalid(FieldErrors.One("auditorId", $"An auditor id (user name) is {Identifiers.Rule}."));
        var taken = FieldErrors.One("auditorId", $"The id '{id}' is already taken.");
        if (node.GetState(StateKeys.User(id!)) is not null) return Outcome<WriteResult>.Conflict(taken, $"The id '{id}' is already taken.");
        return await writer.RegisterWithLoginAsync(actor, id!, keys =>
            new RegisterUserPayload(id!, Role.Auditor, actor.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey), taken, ct);
    }

    /// <summary>The auditors of the admin's organisation (from the chain), by id; 403 for anyone but an admin.</summary>
    public Outcome<IReadOnlyList<UserRecord>> List(UserSession actor)
    {
        if (actor.Role != Role.Admin) return Outcome<IReadOnlyList<UserRecord>>.Forbidden("Only an admin lists the auditors of their organisation.");
        return Outcome<IReadOnlyList<UserRecord>>.Ok(node.ScanState("user/").Select(u => UserRecord.TryDecode(u.Value)).OfType<UserRecord>()
            .Where(u => u.Role == Role.Auditor && u.OrganisationId == actor.OrganisationId).OrderBy(u => u.Id, StringComparer.Ordinal).ToList());
    }
}
