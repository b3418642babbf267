using System.Collections.Concurrent;
using HealthLedger.Core.Model;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// What the layout's banners show: the emergencies in force in a user's scope (staff of a scope or rescuer organisation;
/// patients of a scope organisation), and a patient's break-glass accesses they have not acknowledged yet. The
/// acknowledgement is a per-user marker kept in this node's memory (no transaction: it is the patient's notice, not a
/// record); after a restart of the node the accesses are notified again, which errs on the side of telling the patient.
/// </summary>
public sealed class EmergencyNotices(EmergencyService emergencies, BreakGlassService breakGlass)
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _acknowledged = new(StringComparer.Ordinal);

    /// <summary>The emergencies in force that concern <paramref name="user"/>, newest first.</summary>
    public IReadOnlyList<EmergencyResponse> InScope(UserSession user) => emergencies.List()
        .Where(e => e.Active && (e.Scope.Contains(user.OrganisationId) || (user.Role != Role.Patient && e.Rescuers.Contains(user.OrganisationId))))
        .ToList();

    /// <summary>A patient's break-glass accesses not acknowledged yet, newest first (empty for other roles).</summary>
    public IReadOnlyList<BreakGlassResponse> Unacknowledged(UserSession user)
    {
        if (user.Role != Role.Patient) return [];
        var accesses = breakGlass.OfPatient(user, user.UserId);
        if (!accesses.IsOk) return [];
        var seen = _acknowledged.GetValueOrDefault(user.UserId);
        if (seen is null) return accesses.Value!;
        lock (seen) return accesses.Value!.Where(a => !seen.Contains(a.AccessId)).ToList();
    }

    /// <summary>The patient acknowledges every break-glass access on record now.</summary>
    public void Acknowledge(UserSession user)
    {
        if (user.Role != Role.Patient) return;
        var accesses = breakGlass.OfPatient(user, user.UserId);
        if (!accesses.IsOk) return;
        var seen = _acknowledged.GetOrAdd(user.UserId, _ => new HashSet<string>(StringComparer.Ordinal));
        lock (seen)
        {
            foreach (var a in accesses.Value!) seen.Add(a.AccessId);
        }
    }
}
