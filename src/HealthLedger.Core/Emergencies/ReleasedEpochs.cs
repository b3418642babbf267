using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Emergencies;

/// <summary>
/// Category-key epochs released outside the grant path — to the rescuers of an emergency (<see cref="EmergencyKey.EpochKey"/>:
/// the emergencies' ids) or to the doctor of a break-glass access (<see cref="BreakGlassKey.EpochKey"/>: the latest-expiring
/// access) — and the one rule they share: once a holder's time is over at block time, the epoch is stale, and the patient's
/// next record of the category must open a new epoch without them (<see cref="Transactions.CategoryKeyRules"/>, the node's
/// <c>CategoryKeyring</c>), as after a revocation. Pure, over the state.
/// </summary>
public static class ReleasedEpochs
{
    private const byte Version = 1;

    /// <summary>Marks an epoch as held by the rescuers of <paramref name="emergencyId"/>.</summary>
    public static void MarkForEmergency(StateOverlay state, string patientId, ConsentCategories category, int epoch, string emergencyId)
    {
        var marker = EmergencyKey.EpochKey(patientId, category, epoch);
        var listed = state.TryGet(marker, out var bytes) ? IdList.TryDecode(bytes, EmergencyState.MaxEmergencies) ?? [] : [];
        if (!listed.Contains(emergencyId)) state.Set(marker, IdList.Encode(listed.Append(emergencyId)));
    }

    /// <summary>Marks an epoch as held by the doctor of break-glass access <paramref name="access"/> until its expiry (keeps the latest expiry).</summary>
    public static void MarkForBreakGlass(StateOverlay state, ConsentCategories category, int epoch, BreakGlassState access)
    {
        var marker = BreakGlassKey.EpochKey(access.PatientId, category, epoch);
        if (ReadBreakGlass(state, marker) is { } held && held.ExpiresAt >= access.ExpiresAt) return;
        state.Set(marker, new CanonicalWriter(64).U8(Version).VarUInt(access.ExpiresAt).Text(access.Id).ToArray());
    }

    /// <summary>
    /// Who received the key of this epoch and whose time is over at block time <paramref name="now"/> (e.g. "the rescuers of
    /// emergency 'quake'", "the doctor of break-glass access 'bg-1'"); null when nobody (the epoch may still be used).
    /// </summary>
    public static string? StaleUnder(IStateReader state, string patientId, ConsentCategories category, int epoch, ulong now)
    {
        if (state.TryGet(EmergencyKey.EpochKey(patientId, category, epoch), out var bytes))
        {
            foreach (var id in IdList.TryDecode(bytes, EmergencyState.MaxEmergencies) ?? [])
            {
                if (EmergencyState.Get(state, id) is not { } emergency || emergency.EndsAt <= now) return $"the rescuers of emergency '{id}'";
            }
        }
        // The access's own record wins when it ends sooner (a misuse review ends it at the review's block).
        return ReadBreakGlass(state, BreakGlassKey.EpochKey(patientId, category, epoch)) is { } access
            && Math.Min(access.ExpiresAt, BreakGlassState.Get(state, patientId, access.Id)?.ExpiresAt ?? access.ExpiresAt) <= now
            ? $"the doctor of break-glass access '{access.Id}'"
            : null;
    }

    private static (ulong ExpiresAt, string Id)? ReadBreakGlass(IStateReader state, string marker)
    {
        if (!state.TryGet(marker, out var bytes)) return null;
        var r = new CanonicalReader(bytes);
        if (!r.U8(out var v) || v != Version) return (0, "?"); // damaged: treat as over (rotate), never as usable
        r.VarUInt(out var expires);
        r.Text(out var id, Identifiers.MaxLength, "access id");
        return r.End() ? (expires, id) : (0, "?");
    }
}
