namespace HealthLedger.Node.Patients;

/// <summary>The orders of the patient list (<c>?sort=</c>), each a total order: ties are broken by the patient id, so paging is stable.</summary>
public enum PatientSort
{
    /// <summary>By the name shown (<see cref="PatientView.DisplayName"/>), without case.</summary>
    Name,

    /// <summary>Youngest first (those whose demographics the reader cannot see last).</summary>
    Age,

    /// <summary>By MRN (ordinal).</summary>
    Mrn,

    /// <summary>By the height of the block that registered or last changed the demographics.</summary>
    Registered,
}

/// <summary>The comparers of <see cref="PatientSort"/>.</summary>
public static class PatientOrder
{
    private static readonly IComparer<PatientView> ByName = Comparer<PatientView>.Create((a, b) =>
        Then(StringComparer.OrdinalIgnoreCase.Compare(a.DisplayName, b.DisplayName), a, b));

    private static readonly IComparer<PatientView> ByAge = Comparer<PatientView>.Create((a, b) =>
        Then(a.DemographicsShared != b.DemographicsShared ? (a.DemographicsShared ? -1 : 1) : b.Details.DateOfBirth.CompareTo(a.Details.DateOfBirth), a, b));

    private static readonly IComparer<PatientView> ByMrn = Comparer<PatientView>.Create((a, b) =>
        Then(string.CompareOrdinal(a.Details.Mrn, b.Details.Mrn), a, b));

    private static readonly IComparer<PatientView> ByRegistered = Comparer<PatientView>.Create((a, b) =>
        Then(a.Proof.Height.CompareTo(b.Proof.Height), a, b));

    /// <summary>The sort a <c>?sort=</c> value names (<see cref="PatientQuery.SortKeys"/>); none, by name.</summary>
    public static PatientSort Parse(string? sort) => (sort ?? "name").ToLowerInvariant() switch
    {
        "age" => PatientSort.Age,
        "mrn" => PatientSort.Mrn,
        "registered" => PatientSort.Registered,
        _ => PatientSort.Name,
    };

    /// <summary>The comparer of <paramref name="sort"/> (ascending; the patient id breaks ties).</summary>
    public static IComparer<PatientView> Comparer(PatientSort sort) => sort switch
    {
        PatientSort.Age => ByAge,
        PatientSort.Mrn => ByMrn,
        PatientSort.Registered => ByRegistered,
        _ => ByName,
    };

    /// <summary>
    /// <paramref name="found"/> (null: no search, every patient) in the order of <paramref name="all"/> (sorted by
    /// <paramref name="comparer"/>, a superset): sorted when few, picked out of <paramref name="all"/> in one pass when many
    /// (cheaper than sorting them).
    /// </summary>
    public static IReadOnlyList<PatientView> Restrict(IReadOnlyList<PatientView> all, List<PatientView>? found, IComparer<PatientView> comparer)
    {
        if (found is null) return all;
        if (found.Count > all.Count / 16)
        {
            var ids = found.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            return all.Where(p => ids.Contains(p.Id)).ToList();
        }
        found.Sort(comparer);
        return found;
    }

    private static int Then(int first, PatientView a, PatientView b) => first != 0 ? first : string.CompareOrdinal(a.Id, b.Id);
}
