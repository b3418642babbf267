using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using HealthLedger.Cli.Seeding;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;

namespace HealthLedger.MicroBench;

/// <summary>
/// An admin's patient list over 100,000 synthetic patients (names and MRNs as <c>seed --scale</c> makes them): the scan and
/// sort it replaced (<see cref="Naive"/>, <c>PatientService.List</c> before the index) against the index
/// (<see cref="PatientSearchIndex"/>, the order kept, <see cref="PatientOrder.Restrict"/>, <see cref="Paging.Of{T}"/>).
/// </summary>
[MemoryDiagnoser]
public class PatientSearch
{
    private const string Organisation = "org-a";
    private List<PatientView> _patients = [];
    private PatientSearchIndex _index = null!;

    /// <summary>The query: a name, an MRN (one hit), no hit, or none (the unfiltered first page).</summary>
    [Params("Priya Khan", "SC0001-0054321", "Zebedee", "")]
    public string Query { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(17);
        var today = new DateOnly(2026, 12, 1);
        _patients = Enumerable.Range(0, 100_000).Select(i => new PatientView($"pt-{random.NextInt64():x16}", Organisation, 1, new PatientDetails
        {
            Mrn = $"SC0001-{i:D7}",
            FullName = $"{SyntheticNames.First[random.Next(SyntheticNames.First.Length)]} {SyntheticNames.Last[random.Next(SyntheticNames.Last.Length)]}",
            DateOfBirth = today.AddDays(-random.Next(365, 365 * 95)),
        }, new RecordProof(Hash256.Zero, (ulong)(i / 64 + 1), 0))).ToList();
        _index = new PatientSearchIndex();
        foreach (var p in _patients) _index.Set(p);
        _index.Sorted(Organisation, PatientSort.Name);
        foreach (var p in _patients) TextFolding.FoldKept(p.Details.FullName);
    }

    /// <summary>Before: <c>PatientService.List</c> as it was (the directory's organisation filter, a scan, a sort of the matches, a page).</summary>
    [Benchmark(Baseline = true)]
    public int Naive()
    {
        IEnumerable<PatientView> visible = _patients.Where(p => p.OrganisationId == Organisation).ToList().ToList();
        if (!string.IsNullOrWhiteSpace(Query))
        {
            var q = Query.Trim();
            var folded = TextFolding.Fold(q);
            visible = visible.Where(p => TextFolding.ContainsFolded(p.Details.FullName, folded)
                || p.Details.Mrn.Contains(q, StringComparison.OrdinalIgnoreCase) || p.Id.Equals(q, StringComparison.OrdinalIgnoreCase));
        }
        var sorted = visible.OrderBy(p => p.DisplayName, StringComparer.OrdinalIgnoreCase);
        return Paging.Of(sorted.ToList(), 1, 20).Total;
    }

    /// <summary>After: the index's matches (or the order kept), restricted and paged as <c>PatientService.List</c> does for an admin.</summary>
    [Benchmark]
    public int Indexed()
    {
        var found = string.IsNullOrWhiteSpace(Query) ? null : _index.Search(Query, out _).Where(p => p.OrganisationId == Organisation).ToList();
        var sorted = PatientOrder.Restrict(_index.Sorted(Organisation, PatientSort.Name), found, PatientOrder.Comparer(PatientSort.Name));
        return Paging.Of(sorted, 1, 20).Total;
    }

    /// <summary>
    /// Process CPU time per search, each query's naive and indexed runs alternating in pairs (the machine is shared: CPU time
    /// is steadier than wall time), written as a Markdown table.
    /// </summary>
    public static void MeasureCpu(TextWriter output)
    {
        var bench = new PatientSearch();
        bench.Setup();
        output.WriteLine("| query | pair | naive CPU ms/op | indexed CPU ms/op | ratio |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var query in new[] { "Priya Khan", "SC0001-0054321", "Zebedee", "" })
        {
            bench.Query = query;
            for (var pair = 1; pair <= 3; pair++)
            {
                var naive = CpuPerOp(bench.Naive);
                var indexed = CpuPerOp(bench.Indexed);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(query.Length == 0 ? "(none, page 1)" : query)} | {pair} | {naive:F2} | {indexed:F4} | {naive / indexed:F0}× |"));
            }
        }
    }

    // Runs op in doubling batches until it has used at least 300 ms of CPU (the process clock ticks in 10 ms steps).
    private static double CpuPerOp(Func<int> op)
    {
        op();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        var done = 0;
        for (var batch = 1; ; batch *= 2)
        {
            for (var i = 0; i < batch; i++) op();
            done += batch;
            process.Refresh();
            var used = process.TotalProcessorTime - before;
            if (used.TotalMilliseconds >= 300) return used.TotalMilliseconds / done;
        }
    }
}
