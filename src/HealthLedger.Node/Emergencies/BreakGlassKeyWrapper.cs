using System.Security.Cryptography;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// The custodian organisation's node acting automatically under the declared policy for break-glass outside an emergency:
/// for every committed access to one of its patients, without an emergency, by a doctor of another member organisation and
/// still in force, it wraps the patient's category keys of the access's categories (every epoch that exists, including
/// epochs opened while the access is in force) for the doctor's own encryption key and commits them as node-signed
/// <see cref="WrapBreakGlassKeysPayload"/> transactions. Every node of the organisation does it; what is already on the chain
/// is skipped (idempotent), and since it scans the committed accesses it catches up after a restart. Run after each block
/// by <see cref="EmergencyKeyWrapper"/>'s loop.
/// </summary>
public sealed partial class BreakGlassKeyWrapper(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, TimeProvider clock,
    ILogger<BreakGlassKeyWrapper> logger)
{
    /// <summary>Keys wrapped by this node since it started (tests, diagnostics).</summary>
    public int Wrapped { get; private set; }

    /// <summary>Wraps and commits whatever is missing now.</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var state = new NodeStateReader(node);
        var now = Math.Max((ulong)clock.GetUtcNow().ToUnixTimeMilliseconds(), node.Tip.Timestamp);
        var prefix = BreakGlassState.QueuePrefix(organisation.Id);
        foreach (var entry in node.ScanState(prefix))
        {
            var parts = entry.Key[prefix.Length..].Split('/');
            if (parts.Length != 2 || BreakGlassState.Get(state, parts[0], parts[1]) is not { } access) continue;
            if (access.EmergencyId.Length != 0 || access.ActorOrganisationId == organisation.Id || access.ExpiresAt <= now) continue;
            if (node.GetState(StateKeys.User(access.ActorId)) is not { } u || UserRecord.TryDecode(u) is not { } doctor) continue;
            var keys = new List<BreakGlassKey>();
            foreach (var category in Enum.GetValues<ConsentCategories>().Where(c => CategoryKeyState.IsSingle(c) && (access.Categories & c) == c))
            {
                var current = CategoryKeyState.CurrentEpoch(state, access.PatientId, category);
                for (var epoch = 1; epoch <= current; epoch++)
                {
                    if (node.GetState(BreakGlassKey.StateKey(access.PatientId, access.Id, category, epoch)) is not null) continue;
                    // The organisation's kept key (not wiped here: the keyring holds it for the life of the process).
                    if (keyring.OpenCategoryKey(access.PatientId, category, epoch, organisation.Keys.Encryption) is not { } key) continue;
                    keys.Add(BreakGlassKey.Wrap(key, access.Id, access.PatientId, category, epoch, doctor.Id, doctor.EncryptionKey, RandomNumberGenerator.GetBytes(32)));
                }
            }
            for (var i = 0; i < keys.Count; i += WrapBreakGlassKeysPayload.MaxKeys)
            {
                var batch = keys.Skip(i).Take(WrapBreakGlassKeysPayload.MaxKeys).ToList();
                var committed = await node.SubmitAsNodeAsync(new WrapBreakGlassKeysPayload(access.PatientId, access.Id, batch), ct);
                if (committed.Receipt.Verdict != TxVerdict.Ok)
                {
                    // Another node of the organisation may have been first (AlreadyExists), or the access expired meanwhile.
                    WrapRefused(logger, access.Id, committed.Receipt.Reason);
                    break;
                }
                Wrapped += batch.Count;
                KeysWrapped(logger, batch.Count, access.Id, access.ActorOrganisationId);
            }
        }
    }

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Wrapped {Count} break-glass key(s) of access {Access} for a doctor of {Organisation}")]
    private static partial void KeysWrapped(ILogger logger, int count, string access, string organisation);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "The ledger refused the break-glass keys of access {Access}: {Reason}")]
    private static partial void WrapRefused(ILogger logger, string access, string reason);
}
