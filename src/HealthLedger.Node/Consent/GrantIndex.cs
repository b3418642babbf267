using System.Collections.Concurrent;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Consent;

/// <summary>
/// Which patient each consent grant belongs to, by grant id: grants are kept at <c>grant/{patientId}/{grantId}</c>, so a
/// look-up by grant id alone (FHIR <c>Consent/{id}</c>) would otherwise scan every grant on the chain. Loaded once from the
/// world state and kept current from each committed block's writes under <c>grant/</c> (before its submitters are
/// answered). Grant ids are unique per patient only, so an id maps to the set of patients that have one by that name.
/// </summary>
public sealed class GrantIndex
{
    private const string Prefix = "grant/";
    private readonly ConcurrentDictionary<string, ImmutableSet> _patients = new(StringComparer.Ordinal);

    /// <summary>Indexes the grants on <paramref name="node"/> and follows its chain.</summary>
    public GrantIndex(LedgerNode node)
    {
        // Follow first, then load: a block committed in between is seen twice, never missed (adding is idempotent).
        node.BlockCommitted += candidate =>
        {
            foreach (var (key, value) in candidate.Built.Execution.Changes.Entries)
            {
                if (value is not null && key.StartsWith(Prefix, StringComparison.Ordinal)) Add(key);
            }
        };
        foreach (var (key, _) in node.ScanState(Prefix)) Add(key);
    }

    /// <summary>The patients with a grant of id <paramref name="grantId"/> (usually one; none when there is no such grant).</summary>
    public IReadOnlyCollection<string> PatientsOf(string grantId) =>
        _patients.TryGetValue(grantId, out var set) ? set.Items : [];

    private void Add(string key)
    {
        if (key.Split('/') is not [_, var patientId, var grantId]) return;
        _patients.AddOrUpdate(grantId, _ => new ImmutableSet([patientId]), (_, set) => set.With(patientId));
    }

    private sealed record ImmutableSet(IReadOnlyCollection<string> Items)
    {
        public ImmutableSet With(string item) => Items.Contains(item, StringComparer.Ordinal) ? this : new ImmutableSet([.. Items, item]);
    }
}
