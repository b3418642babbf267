using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.People;

/// <summary>
/// The names the UI shows for people instead of their ids, as one viewer may see them (one instance per request, so each
/// person is looked up once per page). Doctors by their directory name; patients by their decrypted name only when the
/// viewer may see their demographics (<see cref="PatientService.AsSeenBy"/>, no disclosure recorded: the page that lists
/// them records its own read), else "Patient &lt;id&gt; (name not shared)"; staff, who have no name on the ledger, by role and
/// id ("Pharmacist ph-1"); organisations and nodes by their member name. An unknown id is shown as it is.
/// </summary>
public sealed class PersonNames(LedgerNode node, DoctorDirectory doctors, PatientService patients)
{
    private readonly Dictionary<(string Viewer, string Id), string> _names = [];
    private readonly Dictionary<(ulong Height, Core.Primitives.Hash256 Tx), string> _signers = [];

    /// <summary>The name of user <paramref name="userId"/> as <paramref name="viewer"/> may see it (never null; the id when unknown).</summary>
    public string Of(UserSession viewer, string userId)
    {
        if (string.IsNullOrEmpty(userId)) return "";
        if (_names.TryGetValue((viewer.UserId, userId), out var known)) return known;
        var name = Lookup(viewer, userId);
        _names[(viewer.UserId, userId)] = name;
        return name;
    }

    private string Lookup(UserSession viewer, string userId)
    {
        if (doctors.Doctor(userId) is { } doctor && doctor.Details.Name.Length > 0) return doctor.Details.Name;
        if (patients.AsSeenBy(viewer, userId) is { } patient) return patient.DisplayName;
        if (node.GetState(StateKeys.User(userId)) is { } bytes && UserRecord.TryDecode(bytes) is { } user)
        {
            var role = RoleNames.Of(user.Role).Replace('-', ' ');
            return $"{char.ToUpperInvariant(role[0])}{role[1..]} {user.Id}";
        }
        if (node.GetState(StateKeys.Organisation(userId)) is not null) return OrganisationNames.Of(node, userId);
        return userId;
    }

    /// <summary>
    /// Who signed the transaction at <paramref name="proof"/>, named as <see cref="Of"/> names them ("organisation …" or
    /// "node …" for those signers); null when the block or the transaction cannot be read here.
    /// </summary>
    public string? SignerOf(UserSession viewer, RecordProof proof)
    {
        if (_signers.TryGetValue((proof.Height, proof.TxId), out var known)) return known;
        var block = node.Store.ReadBlock(proof.Height);
        var tx = block?.Transactions.Select(t => Transaction.TryDecode(t.Body, int.MaxValue, out var d).IsOk ? d : null).FirstOrDefault(t => t?.Id == proof.TxId);
        if (tx is null) return null;
        var signer = node.GetState(StateKeys.Signer(tx.Signer)) is { } s ? SignerRecord.TryDecode(s) : null;
        var name = signer switch
        {
            null => tx.Signer.ToString(),
            { Kind: SignerKind.User } => Of(viewer, signer.Id),
            { Kind: SignerKind.Organisation } => "organisation " + OrganisationNames.Of(node, signer.Id),
            _ => "node " + signer.Id,
        };
        _signers[(proof.Height, proof.TxId)] = name;
        return name;
    }
}
