using System.Text;
using CsCheck;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Tests.Patients;

/// <summary>
/// The patient directory's search index: token-prefix name matching with case and accent folding, MRN prefix and exact
/// lookups, the id, incremental updates (a rename moves the tokens), and the per-organisation orders kept sorted; a
/// property test compares it with a plain scan and sort over random directories.
/// </summary>
public class PatientSearchIndexTests
{
    private static PatientView View(string id, string name, string mrn = "", string org = "org-a", ulong height = 1, int version = 1, DateOnly dob = default) =>
        new(id, org, version, new PatientDetails { FullName = name, Mrn = mrn, DateOfBirth = dob }, new RecordProof(Hash256.Zero, height, 0));

    private static PatientSearchIndex Index(params PatientView[] views)
    {
        var index = new PatientSearchIndex();
        foreach (var v in views) index.Set(v);
        return index;
    }

    private static string[] Ids(PatientSearchIndex index, string query) =>
        [.. index.Search(query, out _).Select(p => p.Id).Order(StringComparer.Ordinal)];

    [Fact]
    public void Each_query_word_matches_the_start_of_a_word_of_the_name_in_any_order()
    {
        var index = Index(View("pt-1", "Priya Khan"), View("pt-2", "Priya Patel"), View("pt-3", "Khanh Nguyen"), View("pt-4", "Amir Khan-Priyadarshi"));
        Assert.Equal(["pt-1", "pt-2", "pt-4"], Ids(index, "pri"));
        Assert.Equal(["pt-1", "pt-4"], Ids(index, "Priya Khan"));
        Assert.Equal(["pt-1", "pt-4"], Ids(index, "khan priya"));
        Assert.Equal(["pt-1", "pt-3", "pt-4"], Ids(index, "  KHAN "));
        Assert.Equal(["pt-3"], Ids(index, "khanh"));
        // Inside a word is no match (the scan it replaces matched substrings).
        Assert.Empty(Ids(index, "riya"));
        Assert.Empty(Ids(index, "priya zed"));
    }

    [Fact]
    public void Case_and_accents_are_folded_on_both_sides()
    {
        var index = Index(View("pt-1", "Jan Łukasiewicz"), View("pt-2", "Zoe\u0308 Mu\u0308ller"), View("pt-3", "Hans Straße"));
        Assert.Equal(["pt-1"], Ids(index, "LUKASIEW"));
        Assert.Equal(["pt-1"], Ids(index, "łukasiewicz"));
        Assert.Equal(["pt-2"], Ids(index, "zoë muller"));
        Assert.Equal(["pt-2"], Ids(index, "MÜLL"));
        Assert.Equal(["pt-3"], Ids(index, "strasse"));
    }

    [Fact]
    public void The_mrn_matches_exactly_or_by_its_start_without_case_and_the_id_exactly()
    {
        var index = Index(View("pt-a1", "Ann Lee", "MRN-0012"), View("pt-a2", "Bob Ray", "MRN-00123"), View("pt-a3", "Cy Doe", "X-7"));
        Assert.Equal(["pt-a1", "pt-a2"], Ids(index, "mrn-0012"));
        Assert.Equal(["pt-a2"], Ids(index, "MRN-00123"));
        Assert.Equal(["pt-a3"], Ids(index, "x-7"));
        Assert.Empty(Ids(index, "0012"));
        Assert.Equal(["pt-a2"], Ids(index, "PT-A2"));
        Assert.Empty(Ids(index, "pt-a"));
    }

    [Fact]
    public void A_new_version_moves_the_name_and_mrn_entries()
    {
        var index = Index(View("pt-1", "Jane Roe", "M-1"), View("pt-2", "Jane Poe", "M-2"));
        index.Set(View("pt-1", "Janet Smith", "M-9", version: 2));
        Assert.Equal(["pt-1"], Ids(index, "smith"));
        Assert.Empty(Ids(index, "roe"));
        Assert.Equal(["pt-1", "pt-2"], Ids(index, "jane"));
        Assert.Equal(["pt-2"], Ids(index, "jane poe"));
        Assert.Empty(Ids(index, "M-1"));
        Assert.Equal(["pt-1"], Ids(index, "m-9"));
        Assert.Equal(2, index.Count);
    }

    [Fact]
    public void A_query_without_letters_or_digits_scans_names_for_it()
    {
        var index = Index(View("pt-1", "Mary O'Brien"), View("pt-2", "Mary Obrien"));
        var found = index.Search("'", out var scanned);
        Assert.True(scanned);
        Assert.Equal("pt-1", Assert.Single(found).Id);
        Index(View("pt-3", "Ann")).Search("ann", out var looked);
        Assert.False(looked);
    }

    [Fact]
    public void Orders_are_kept_sorted_as_patients_are_added_and_renamed_per_organisation()
    {
        var index = Index(View("pt-1", "Carol", "M-3", height: 5), View("pt-2", "alice", "M-1", height: 6), View("pt-3", "Bob", "M-2", org: "org-b"));
        Assert.Equal(["pt-2", "pt-1"], index.Sorted("org-a", PatientSort.Name).Select(p => p.Id));
        var before = index.Sorted("org-a", PatientSort.Name);
        index.Set(View("pt-4", "Alice", "M-0", height: 7));
        index.Set(View("pt-1", "Aaron", "M-3", height: 8, version: 2));
        Assert.Equal(["pt-1", "pt-2", "pt-4"], index.Sorted("org-a", PatientSort.Name).Select(p => p.Id));
        Assert.Equal(["pt-4", "pt-2", "pt-1"], index.Sorted("org-a", PatientSort.Mrn).Select(p => p.Id));
        Assert.Equal(["pt-2", "pt-4", "pt-1"], index.Sorted("org-a", PatientSort.Registered).Select(p => p.Id));
        Assert.Equal(["pt-3"], index.Sorted("org-b", PatientSort.Name).Select(p => p.Id));
        // A snapshot handed out earlier does not change under its reader.
        Assert.Equal(["pt-2", "pt-1"], before.Select(p => p.Id));
    }

    [Fact]
    public void Pages_read_the_order_forwards_or_backwards_and_clamp_like_paging()
    {
        var sorted = Enumerable.Range(0, 45).Select(i => View($"pt-{i:D2}", $"N{i:D2}")).ToArray();
        foreach (var descending in new[] { false, true })
        {
            var all = descending ? sorted.Reverse().ToList() : sorted.ToList();
            foreach (var (page, size) in new[] { (1, 20), (3, 20), (9, 20), (0, 20), (2, 0), (1, 500) })
            {
                var expected = Paging.Of(all, page, size);
                var actual = Paging.Of(sorted, page, size, descending);
                Assert.Equal(expected.Items.Select(p => p.Id), actual.Items.Select(p => p.Id));
                Assert.Equal((expected.Total, expected.PageNumber, expected.PageSize), (actual.Total, actual.PageNumber, actual.PageSize));
            }
        }
    }

    // Words with accents, case and letters that fold to two; names join one to three with a space, a hyphen or an apostrophe.
    private static readonly string[] Words = ["Anna", "Ånna", "ann", "ANNE", "Łukasz", "lukas", "Müller", "MULLER", "Straße", "strasse", "Zoë", "zoe", "Li", "Lin", "Ng", "42", "Jean", "jeanne", "Øst", "Æsa"];
    private static readonly string[] Separators = [" ", "-", "'", " - "];

    private static readonly Gen<string> Name =
        Gen.Select(Gen.Int[0, Words.Length - 1].Array[1, 3], Gen.Int[0, Separators.Length - 1].Array[2, 2])
            .Select((w, s) => string.Join(Separators[s[0]], w.Select(i => Words[i])));

    private static readonly Gen<(int Id, int Org, string Name, int Mrn, int Dob, int Height)> Op =
        Gen.Select(Gen.Int[0, 24], Gen.Int[0, 2], Name, Gen.Int[0, 40], Gen.Int[0, 5], Gen.Int[0, 6]);

    // A query: the start of a word (random case, maybe two words), an MRN's start, an id, or a few characters of anything.
    private static readonly Gen<string> Query = Gen.OneOf(
        Gen.Select(Gen.Int[0, Words.Length - 1], Gen.Int[1, 6], Gen.Bool).Select((w, n, upper) => Cut(Words[w], n, upper)),
        Gen.Select(Gen.Int[0, Words.Length - 1], Gen.Int[0, Words.Length - 1], Gen.Int[1, 4]).Select((a, b, n) => $"{Cut(Words[a], n, false)} {Cut(Words[b], n, true)}"),
        Gen.Int[0, 45].Select(m => $"mrn-{m}"),
        Gen.Int[0, 30].Select(i => $"PT-{i}"),
        Gen.Int[0, 11].Array[1, 4].Select(cs => new string([.. cs.Select(c => "aAåłßœ -'0e\u0308"[c])])));

    private static string Cut(string word, int n, bool upper) => upper ? word[..Math.Min(n, word.Length)].ToUpperInvariant() : word[..Math.Min(n, word.Length)];

    [Fact]
    public void Search_and_orders_equal_a_scan_and_a_sort_over_random_directories()
    {
        Gen.Select(Op.Array[0, 60], Gen.Int[0, 60], Query.Array[1, 12]).Sample((ops, built, queries) =>
        {
            var index = new PatientSearchIndex();
            var current = new Dictionary<string, PatientView>(StringComparer.Ordinal);
            for (var i = 0; i < ops.Length; i++)
            {
                // Build the orders part way, so the rest of the changes go through the incremental path.
                if (i == built) BuildOrders(index);
                var (id, org, name, mrn, dob, height) = ops[i];
                var key = $"pt-{id}";
                var organisation = current.TryGetValue(key, out var known) ? known.OrganisationId : $"org-{org}";
                var view = View(key, name, $"MRN-{mrn}", organisation, (ulong)height, (known?.Version ?? 0) + 1, new DateOnly(1980 + dob, 1, 1));
                index.Set(view);
                current[key] = view;
            }
            foreach (var q in queries)
            {
                var expected = current.Values.Where(p => Matches(p, q)).Select(p => p.Id).Order(StringComparer.Ordinal);
                Assert.Equal(expected, Ids(index, q));
            }
            foreach (var org in new[] { "org-0", "org-1", "org-2" })
            {
                var patients = current.Values.Where(p => p.OrganisationId == org).ToList();
                foreach (var sort in Enum.GetValues<PatientSort>())
                {
                    Assert.Equal(OldSort(patients, sort).Select(p => p.Id), index.Sorted(org, sort).Select(p => p.Id));
                }
            }
        }, iter: 300);
    }

    private static void BuildOrders(PatientSearchIndex index)
    {
        foreach (var org in new[] { "org-0", "org-1", "org-2" })
        {
            foreach (var sort in Enum.GetValues<PatientSort>()) index.Sorted(org, sort);
        }
    }

    // The list's sort before the index (PatientService.List), with the id breaking ties.
    private static IEnumerable<PatientView> OldSort(IEnumerable<PatientView> visible, PatientSort sort) => sort switch
    {
        PatientSort.Age => visible.OrderBy(p => !p.DemographicsShared).ThenByDescending(p => p.Details.DateOfBirth).ThenBy(p => p.Id, StringComparer.Ordinal),
        PatientSort.Mrn => visible.OrderBy(p => p.Details.Mrn, StringComparer.Ordinal).ThenBy(p => p.Id, StringComparer.Ordinal),
        PatientSort.Registered => visible.OrderBy(p => p.Proof.Height).ThenBy(p => p.Id, StringComparer.Ordinal),
        _ => visible.OrderBy(p => p.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Id, StringComparer.Ordinal),
    };

    // The documented match, by a plain scan: every folded query word starts a folded name word (a query with no letter or
    // digit: folded substring of the name), or the MRN starts with the query without case, or the query is the id.
    private static bool Matches(PatientView p, string query)
    {
        var q = query.Trim();
        if (q.Length == 0) return false;
        var folded = TextFolding.Fold(q);
        var words = WordsOf(folded);
        var nameWords = WordsOf(TextFolding.Fold(p.Details.FullName));
        var byName = words.Count > 0
            ? words.All(w => nameWords.Any(n => n.StartsWith(w, StringComparison.Ordinal)))
            : folded.Length > 0 && TextFolding.Fold(p.Details.FullName).Contains(folded, StringComparison.Ordinal);
        return byName || p.Details.Mrn.ToUpperInvariant().StartsWith(q.ToUpperInvariant(), StringComparison.Ordinal) || p.Id.Equals(q, StringComparison.OrdinalIgnoreCase);
    }

    private static List<string> WordsOf(string folded)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in folded + " ")
        {
            if (char.IsLetterOrDigit(c)) word.Append(c);
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
        return words;
    }
}
