using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HealthLedger.Node.Tests;

/// <summary>
/// The shape of the code as docs/architecture.md draws it: project references point one way, and the node's folders
/// (each its own namespace) form no cycle, with the shared core below the hospital modules.
/// </summary>
public partial class ArchitectureTests
{
    private static readonly string Root = FindRoot();

    /// <summary>The hospital modules: feature folders that the shared core must never depend on.</summary>
    private static readonly string[] Features = ["Patients", "Doctors", "Encounters", "Accounts", "PatientSummary", "MedicalReports", "Consent", "Audit", "Statistics", "VitalSigns", "Wards", "Policy", "Consortium", "Emergencies", "Laboratory", "Pharmacy", "Expenses", "Staff"];

    /// <summary>The folders below the features.</summary>
    private static readonly string[] Shared = ["Records", "Web", "Security", "Ledger", "Network", "Chain", "Configuration", "Localization"];

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthLedger.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (HealthLedger.slnx) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"HealthLedger\.Node\.([A-Z][A-Za-z]+)")]
    private static partial Regex NodeNamespace();

    /// <summary>Folder → the other folders its files name (usings, qualified names, Razor @using).</summary>
    private static Dictionary<string, HashSet<string>> NodeFolderGraph()
    {
        var src = Path.Combine(Root, "src", "HealthLedger.Node");
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(src, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(src, file).Split(Path.DirectorySeparatorChar);
            if (relative.Length < 2 || relative[0] is "bin" or "obj") continue;
            var folder = relative[0];
            if (!graph.TryGetValue(folder, out var deps)) graph[folder] = deps = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match m in NodeNamespace().Matches(File.ReadAllText(file)))
            {
                var target = m.Groups[1].Value;
                if (target != folder && Directory.Exists(Path.Combine(src, target))) deps.Add(target);
            }
        }
        return graph;
    }

    [Fact]
    public void The_node_folders_form_no_cycle()
    {
        var graph = NodeFolderGraph();
        Assert.True(graph.Count >= Features.Length + Shared.Length, "the folder scan found too few folders: " + string.Join(", ", graph.Keys));
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new Stack<string>();
        foreach (var folder in graph.Keys) Visit(folder);

        void Visit(string folder)
        {
            if (state.GetValueOrDefault(folder) == 2) return;
            path.Push(folder);
            if (state.GetValueOrDefault(folder) == 1)
            {
                Assert.Fail("folder cycle: " + string.Join(" → ", path.Reverse().SkipWhile(f => f != folder)));
            }
            state[folder] = 1;
            foreach (var next in graph.GetValueOrDefault(folder) ?? []) Visit(next);
            state[folder] = 2;
            path.Pop();
        }
    }

    [Fact]
    public void The_shared_core_depends_on_no_hospital_module_and_no_module_on_the_host_or_the_pages()
    {
        var graph = NodeFolderGraph();
        foreach (var folder in Shared)
        {
            var bad = (graph.GetValueOrDefault(folder) ?? []).Intersect(Features).ToList();
            Assert.True(bad.Count == 0, $"{folder}/ depends on the module(s) {string.Join(", ", bad)}");
        }
        foreach (var folder in Features)
        {
            var bad = (graph.GetValueOrDefault(folder) ?? []).Intersect(["Hosting", "Pages"]).ToList();
            Assert.True(bad.Count == 0, $"{folder}/ depends on {string.Join(", ", bad)}");
        }
    }

    [Fact]
    public void Project_references_point_one_way()
    {
        // Core ← Consensus, Storage ← Node ← Cli; the benchmark is a library the CLI runs (Cli → Bench), never the other way; the
        // throwaway PostgreSQL starter depends on nothing of ours (the bench and the tests use it); the micro-benchmarks are a leaf
        // that may measure any layer below the CLI (nothing references them).
        var allowed = new Dictionary<string, string[]>
        {
            ["HealthLedger.Core"] = [],
            ["HealthLedger.Consensus"] = ["HealthLedger.Core"],
            ["HealthLedger.Storage"] = ["HealthLedger.Core"],
            ["HealthLedger.Node"] = ["HealthLedger.Core", "HealthLedger.Consensus", "HealthLedger.Storage"],
            ["HealthLedger.ThrowawayPostgres"] = [],
            ["HealthLedger.Bench"] = ["HealthLedger.ThrowawayPostgres"],
            ["HealthLedger.MicroBench"] = ["HealthLedger.Core", "HealthLedger.Storage", "HealthLedger.Node"],
            ["HealthLedger.Cli"] = ["HealthLedger.Core", "HealthLedger.Consensus", "HealthLedger.Storage", "HealthLedger.Node", "HealthLedger.Bench"],
        };
        var projects = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "bench"), "*.csproj", SearchOption.AllDirectories))
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p));
        foreach (var (name, may) in allowed)
        {
            Assert.True(projects.ContainsKey(name), $"project {name} not found");
            var references = XDocument.Load(projects[name]).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/'))).ToList();
            var bad = references.Except(may).ToList();
            Assert.True(bad.Count == 0, $"{name} references {string.Join(", ", bad)}, which it may not");
        }
    }
}
