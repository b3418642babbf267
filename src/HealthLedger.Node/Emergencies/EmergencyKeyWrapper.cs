using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
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
/// The custodian organisation's node acting automatically under a declared emergency: after each committed block, for
/// every emergency not yet over whose scope names this node's organisation, it wraps for each admitted rescuer
/// organisation the category keys of its patients the emergency covers (with an area: those tagged with it) of the emergency's categories (every epoch, including epochs opened while
/// the emergency is in force) and its MRN lookup key, and commits them as node-signed <see cref="WrapEmergencyKeysPayload"/>
/// transactions (at most 1,024 keys each). So the rescuer's node can serve a break-glass read while this node is down.
/// The same loop runs <see cref="BreakGlassKeyWrapper"/> (break-glass outside an emergency by another organisation's doctor).
/// </summary>
public sealed partial class EmergencyKeyWrapper(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, BreakGlassKeyWrapper breakGlass,
    TimeProvider clock, ILogger<EmergencyKeyWrapper> logger) : BlockSweeper(node, clock)
{

    /// <summary>Keys wrapped by this node since it started (tests, diagnostics).</summary>
    public int Wrapped { get; private set; }

    /// <inheritdoc/>
    protected override void SweepFailed(Exception error) => WrapFailed(logger, error);

    /// <summary>One round: the emergencies' key wraps, then the break-glass ones (<see cref="BreakGlassKeyWrapper"/>).</summary>
    protected override async Task RoundAsync(CancellationToken ct)
    {
        await SweepAsync(ct);
        await breakGlass.SweepAsync(ct);
    }

    /// <summary>Wraps and commits whatever is missing now.</summary>
    public override async Task SweepAsync(CancellationToken ct)
    {
        var state = new NodeStateReader(Node);
        var now = (ulong)Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var emergencies = EmergencyState.Ids(state).Select(id => EmergencyState.Get(state, id)).OfType<EmergencyState>()
            .Where(e => e.EndsAt > Math.Max(now, Node.Tip.Timestamp) && e.Covers(organisation.Id)).ToList();
        if (emergencies.Count == 0) return;
        var patients = Node.ScanState("patient/").Select(kv => PatientState.TryDecode(kv.Value)).OfType<PatientState>()
            .Where(p => p.OrganisationId == organisation.Id).ToList();
        foreach (var emergency in emergencies)
        {
            foreach (var rescuerId in emergency.Rescuers)
            {
                if (Node.GetState(StateKeys.Organisation(rescuerId)) is not { } o || OrganisationRecord.TryDecode(o) is not { Status: OrganisationStatus.Active } rescuer) continue;
                var lookup = Node.GetState(EmergencyKey.LookupKey(emergency.Id, rescuerId, organisation.Id)) is null
                    ? organisation.WrapBlindIndexKey(rescuer.EncryptionKey, BreakGlassService.LookupAad(emergency.Id, organisation.Id, rescuerId))
                    : null;
                var keys = new List<EmergencyKey>();
                // Only the patients the emergency covers: with an area, those tagged with it (a patient tagged later is wrapped then).
                foreach (var patientId in patients.Where(p => emergency.CoversPatient(state, p)).Select(p => p.Id))
                {
                    foreach (var category in Enum.GetValues<ConsentCategories>().Where(c => CategoryKeyState.IsSingle(c) && (emergency.Categories & c) == c))
                    {
                        var current = CategoryKeyState.CurrentEpoch(state, patientId, category);
                        for (var epoch = 1; epoch <= current; epoch++)
                        {
                            if (Node.GetState(EmergencyKey.StateKey(emergency.Id, rescuerId, patientId, category, epoch)) is not null) continue;
                            // The organisation's kept key (not wiped here: the keyring holds it for the life of the process).
                            if (keyring.OpenCategoryKey(patientId, category, epoch, organisation.Keys.Encryption) is not { } key) continue;
                            keys.Add(new EmergencyKey(patientId, category, epoch,
                                CategoryKeyCrypto.WrapForReader(key, rescuer.EncryptionKey, RandomNumberGenerator.GetBytes(32), patientId, (byte)category, epoch)));
                        }
                    }
                }
                for (var i = 0; i == 0 || i < keys.Count; i += WrapEmergencyKeysPayload.MaxKeys)
                {
                    var batch = keys.Skip(i).Take(WrapEmergencyKeysPayload.MaxKeys).ToList();
                    var withLookup = i == 0 ? lookup : null;
                    if (batch.Count == 0 && withLookup is null) break;
                    var committed = await Node.SubmitAsNodeAsync(new WrapEmergencyKeysPayload(emergency.Id, rescuerId, batch, withLookup), ct);
                    if (committed.Receipt.Verdict != TxVerdict.Ok)
                    {
                        WrapRefused(logger, emergency.Id, rescuerId, committed.Receipt.Reason);
                        return;
                    }
                    Wrapped += batch.Count;
                    KeysWrapped(logger, batch.Count, emergency.Id, rescuerId);
                }
            }
        }
    }


    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Wrapped {Count} emergency key(s) of emergency {Emergency} for rescuer organisation {Rescuer}")]
    private static partial void KeysWrapped(ILogger logger, int count, string emergency, string rescuer);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "The ledger refused the emergency keys of emergency {Emergency} for {Rescuer}: {Reason}")]
    private static partial void WrapRefused(ILogger logger, string emergency, string rescuer, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Wrapping emergency or break-glass keys failed; retrying in 5 s")]
    private static partial void WrapFailed(ILogger logger, Exception exception);
}
