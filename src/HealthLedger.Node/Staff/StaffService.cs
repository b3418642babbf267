using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Staff;

/// <summary>
/// The one staff registration: admins register laboratory technicians, pathologists, pharmacists and accountants like
/// doctors, and further admins of the organisation (a second admin approves large expenses) (a login with individual keys and a one-time password), as a <c>RegisterUser</c> transaction with no sealed record.
/// </summary>
public sealed class StaffService(LedgerNode node, RecordWriter writer, RecordAccess access)
{
    /// <summary>Registers a staff member of the admin's organisation; the result carries the one-time password (shown once). 403 for non-admins; 400 naming <c>userId</c> (malformed or taken) or <c>role</c>.</summary>
    public async Task<Outcome<WriteResult>> RegisterAsync(UserSession actor, StaffInput input, CancellationToken ct)
    {
        if (access.RequireRole(actor, Role.Admin, "register staff of", actor.OrganisationId) is { } denied) return denied.As<WriteResult>();
        var (userId, role, errors) = input.Validate();
        if (role is null || !errors.IsEmpty) return Outcome<WriteResult>.Invalid(errors);
        var taken = FieldErrors.One("userId", "This id is already taken.");
        if (node.GetState(StateKeys.User(userId)) is not null) return Outcome<WriteResult>.Invalid(taken);
        return await writer.RegisterWithLoginAsync(actor, userId,
            keys => new RegisterUserPayload(userId, role.Value, actor.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey), taken, ct);
    }

    /// <summary>The organisation's staff registered here (laboratory technicians, pathologists, pharmacists, accountants, admins), by id (admins; 403 otherwise).</summary>
    public Outcome<IReadOnlyList<StaffMember>> List(UserSession actor)
    {
        if (access.RequireRole(actor, Role.Admin, "list the staff of", actor.OrganisationId) is { } denied) return denied.As<IReadOnlyList<StaffMember>>();
        var names = StaffInput.Roles.ToDictionary(r => r.Value, r => r.Key);
        var list = node.ScanState("user/").Select(e => UserRecord.TryDecode(e.Value)).OfType<UserRecord>()
            .Where(u => u.OrganisationId == actor.OrganisationId && names.ContainsKey(u.Role))
            .Select(u => new StaffMember(u.Id, names[u.Role], DateTimeOffset.FromUnixTimeMilliseconds((long)u.RegisteredAt)))
            .OrderBy(s => s.UserId, StringComparer.Ordinal).ToList();
        return Outcome<IReadOnlyList<StaffMember>>.Ok(list);
    }
}
