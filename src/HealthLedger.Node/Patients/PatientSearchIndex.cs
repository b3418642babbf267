using HealthLedger.Node.Records;

namespace HealthLedger.Node.Patients;

/// <summary>
/// The search index of the patient directory, kept with it (<see cref="PatientDirectory"/> calls <see cref="Set"/> under
/// its lock whenever a patient's view changes): the folded name tokens (<see cref="TextFolding"/>) and the MRNs, each in
/// an ordinal sorted set so a prefix is a range, with the patients holding each; and, per organisation, the patients in
/// each <see cref="PatientSort"/> order, built on first use and then kept by binary insertion. Not thread-safe: the
/// directory holds its lock around every call. Holds PHI in memory only, like the directory.
/// </summary>
/// <remarks>
/// A search matches a patient when every token of the folded query is a prefix of a token of the folded name (tokens are
/// the runs of letters and digits), when the MRN starts with the query (without case), or when the query is the patient id
/// (without case). A query with no letter or digit (punctuation or characters outside the basic plane only) matches names
/// by folded substring, over every patient (<see cref="Search"/> says so).
/// </remarks>
public sealed class PatientSearchIndex
{
    private readonly Dictionary<string, PatientView> _patients = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byToken = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _mrns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byMrn = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byIdWithoutCase = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Organisation, PatientSort Sort), Order> _orders = [];

    /// <summary>How many patients are indexed.</summary>
    public int Count => _patients.Count;

    /// <summary>Adds a patient, or replaces their earlier view (a new version of the demographics, a rename).</summary>
    public void Set(PatientView view)
    {
        if (_patients.TryGetValue(view.Id, out var old))
        {
            if (ReferenceEquals(old, view)) return;
            Unlink(old);
        }
        _patients[view.Id] = view;
        foreach (var token in Tokens(TextFolding.FoldKept(NameOf(view)))) Add(_tokens, _byToken, token, view.Id);
        if (MrnKey(view.Details.Mrn) is { Length: > 0 } mrn) Add(_mrns, _byMrn, mrn, view.Id);
        if (old is null) Add(null, _byIdWithoutCase, view.Id, view.Id);
        foreach (var sort in Enum.GetValues<PatientSort>())
        {
            if (_orders.TryGetValue((view.OrganisationId, sort), out var order)) order.Insert(view);
        }
    }

    /// <summary>Forgets the sorted orders (rebuilt on next use): for a load of many patients at once, cheaper than inserting each.</summary>
    public void DropOrders() => _orders.Clear();

    /// <summary>The patients <paramref name="query"/> matches (see the remarks), in no order; <paramref name="scanned"/> when the names were scanned.</summary>
    public List<PatientView> Search(string query, out bool scanned)
    {
        var q = query.Trim();
        var folded = TextFolding.Fold(q);
        var tokens = Tokens(folded).Distinct(StringComparer.Ordinal).ToList();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        scanned = tokens.Count == 0;
        if (scanned)
        {
            if (folded.Length > 0)
            {
                foreach (var p in _patients.Values)
                {
                    if (TextFolding.ContainsFolded(NameOf(p), folded)) ids.Add(p.Id);
                }
            }
        }
        else
        {
            // Each query token's patients (the union over the name tokens it prefixes), intersected; the rarest first.
            var sets = tokens.Select(t => Prefixed(_tokens, _byToken, t)).OrderBy(s => s.Count).ToList();
            var named = sets[0];
            foreach (var other in sets.Skip(1))
            {
                if (named.Count == 0) break;
                named.IntersectWith(other);
            }
            ids.UnionWith(named);
        }
        if (MrnKey(q) is { Length: > 0 } mrn) ids.UnionWith(Prefixed(_mrns, _byMrn, mrn));
        if (_byIdWithoutCase.TryGetValue(q, out var sameId)) ids.UnionWith(sameId);
        return ids.Select(id => _patients[id]).ToList();
    }

    /// <summary>The ids of the patients with a name word (folded) starting with <paramref name="foldedWord"/>.</summary>
    public HashSet<string> NameWordStarting(string foldedWord) => Prefixed(_tokens, _byToken, foldedWord);

    /// <summary>The ids of the patients whose MRN is <paramref name="mrn"/>, without case.</summary>
    public HashSet<string> WithMrn(string mrn) =>
        _byMrn.TryGetValue(MrnKey(mrn), out var ids) ? new HashSet<string>(ids, StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The organisation's patients in <paramref name="sort"/> order (ascending), as a snapshot the caller may keep.</summary>
    public PatientView[] Sorted(string organisationId, PatientSort sort)
    {
        if (!_orders.TryGetValue((organisationId, sort), out var order))
        {
            order = new Order(PatientOrder.Comparer(sort), _patients.Values.Where(p => p.OrganisationId == organisationId));
            _orders[(organisationId, sort)] = order;
        }
        return order.Snapshot();
    }

    /// <summary>The tokens of a folded text: its runs of letters and digits.</summary>
    public static IEnumerable<string> Tokens(string folded)
    {
        var start = -1;
        for (var i = 0; i <= folded.Length; i++)
        {
            var inside = i < folded.Length && char.IsLetterOrDigit(folded[i]);
            if (inside && start < 0) start = i;
            else if (!inside && start >= 0)
            {
                yield return folded[start..i];
                start = -1;
            }
        }
    }

    /// <summary>The key an MRN is indexed (and searched) by: upper case, invariant.</summary>
    public static string MrnKey(string mrn) => mrn.ToUpperInvariant();

    // The name a search looks at: none without demographics (the node's own views always carry them).
    private static string NameOf(PatientView p) => p.DemographicsShared ? p.Details.FullName : "";

    private void Unlink(PatientView old)
    {
        foreach (var token in Tokens(TextFolding.FoldKept(NameOf(old)))) Remove(_tokens, _byToken, token, old.Id);
        if (MrnKey(old.Details.Mrn) is { Length: > 0 } mrn) Remove(_mrns, _byMrn, mrn, old.Id);
        foreach (var sort in Enum.GetValues<PatientSort>())
        {
            if (_orders.TryGetValue((old.OrganisationId, sort), out var order)) order.Remove(old);
        }
    }

    private static void Add(SortedSet<string>? keys, Dictionary<string, HashSet<string>> byKey, string key, string id)
    {
        if (!byKey.TryGetValue(key, out var ids))
        {
            byKey[key] = ids = new HashSet<string>(StringComparer.Ordinal);
            keys?.Add(key);
        }
        ids.Add(id);
    }

    private static void Remove(SortedSet<string> keys, Dictionary<string, HashSet<string>> byKey, string key, string id)
    {
        if (!byKey.TryGetValue(key, out var ids) || !ids.Remove(id) || ids.Count > 0) return;
        byKey.Remove(key);
        keys.Remove(key);
    }

    // Every id under a key that starts with prefix: the keys from prefix up to (and with) its successor, each checked.
    private static HashSet<string> Prefixed(SortedSet<string> keys, Dictionary<string, HashSet<string>> byKey, string prefix)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (keys.Count == 0 || string.CompareOrdinal(prefix, keys.Max) > 0) return found;
        var range = Successor(prefix) is { } upper && string.CompareOrdinal(upper, keys.Max) <= 0 ? keys.GetViewBetween(prefix, upper) : keys.GetViewBetween(prefix, keys.Max);
        foreach (var key in range)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) found.UnionWith(byKey[key]);
        }
        return found;
    }

    // The least string greater than every string starting with prefix (null when there is none: prefix is all U+FFFF).
    private static string? Successor(string prefix)
    {
        var end = prefix.Length;
        while (end > 0 && prefix[end - 1] == char.MaxValue) end--;
        return end == 0 ? null : string.Concat(prefix.AsSpan(0, end - 1), [(char)(prefix[end - 1] + 1)]);
    }

    // One organisation's patients in one order: a list kept sorted by binary insertion, and a snapshot taken on demand.
    private sealed class Order
    {
        private readonly IComparer<PatientView> _comparer;
        private readonly List<PatientView> _sorted;
        private PatientView[]? _snapshot;

        public Order(IComparer<PatientView> comparer, IEnumerable<PatientView> patients)
        {
            _comparer = comparer;
            _sorted = patients.ToList();
            _sorted.Sort(comparer);
        }

        public void Insert(PatientView view)
        {
            var at = _sorted.BinarySearch(view, _comparer);
            _sorted.Insert(at < 0 ? ~at : at, view);
            _snapshot = null;
        }

        public void Remove(PatientView view)
        {
            var at = _sorted.BinarySearch(view, _comparer);
            if (at >= 0) _sorted.RemoveAt(at);
            _snapshot = null;
        }

        public PatientView[] Snapshot() => _snapshot ??= [.. _sorted];
    }
}
