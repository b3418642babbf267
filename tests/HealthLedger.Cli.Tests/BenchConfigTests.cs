using HealthLedger.Bench;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// A benchmark config read from JSON: every mistake is one line naming its place in the file (no .NET type names, no stack
/// trace), unknown keys are mistakes rather than silently ignored, and every value has a documented upper bound.
/// </summary>
public class BenchConfigTests
{
    [Theory]
    [InlineData("""{"rounds":null}""", "rounds: must be a list, not null")]
    [InlineData("""{"targets":null}""", "targets: must be a list, not null")]
    [InlineData("""{"mix":null}""", "mix: must be an object, not null")]
    [InlineData("""{"rounds":[null]}""", "rounds[0]: must be an object, not null")]
    [InlineData("""{"targets":[null]}""", "targets[0]: must be a string, not null")]
    [InlineData("""{"rounds":[{"name":null}]}""", "rounds[0].name: must be a string, not null")]
    [InlineData("""null""", "the config: must be an object, not null")]
    public void A_null_where_a_value_is_needed_is_one_line_naming_where(string json, string problem) => AssertProblem(json, problem);

    [Theory]
    [InlineData("""{"pases":1}""", "pases: unknown key (known: targets, rounds, mix, patients, documentBytes, nodeData, clusterNodes, consortiumOrganisations, rawTransactions, rawBatch, passes, targetWarmupSeconds, targetWarmupMaxSeconds)")]
    [InlineData("""{"round":[{"name":"a"}]}""", "round: unknown key (known: targets, rounds, mix,")]
    [InlineData("""{"mix":{"encountr":3}}""", "mix.encountr: unknown key (known: registerPatient, encounter, charge,")]
    [InlineData("""{"rounds":[{"name":"a","durationSecs":5}]}""", "rounds[0].durationSecs: unknown key (known: name, control, tps, inFlight, stepFactor, stepSeconds, warmupSeconds, durationSeconds)")]
    [InlineData("""{"passes":1,"passes":2}""", "passes: given twice")]
    public void An_unknown_or_repeated_key_is_refused_by_name(string json, string problem) => AssertProblem(json, problem);

    [Theory]
    [InlineData("""{"rounds":[{"name":"a"},{"name":"b","control":"foo"}]}""", """rounds[1].control: "foo" is not one of fixed-rate, fixed-load, maximum-rate""")]
    [InlineData("""{"rounds":[{"name":"a","control":1}]}""", "rounds[0].control: 1 is not one of fixed-rate, fixed-load, maximum-rate")]
    [InlineData("""{"rounds":[{"name":"a","control":"FixedLoad"}]}""", """rounds[0].control: "FixedLoad" is not one of fixed-rate, fixed-load, maximum-rate""")]
    [InlineData("""{"rounds":[{"control":"fixed-load"}]}""", """rounds[0]: "name" is required""")]
    [InlineData("""{"rounds":[{"name":""}]}""", """rounds[0]: "name" is required""")]
    [InlineData("""{"passes":"2"}""", """passes: "2" is not a whole number""")]
    [InlineData("""{"passes":1.5}""", "passes: 1.5 is not a whole number")]
    [InlineData("""{"targets":"node"}""", """targets: "node" is not a list""")]
    [InlineData("""{"targets":["node","nodes"]}""", """targets: "nodes" is not one of node, cluster, consortium, postgres, postgres-chained, node-postgres""")]
    [InlineData("""{"targets":["node","node"]}""", """targets: "node" is named twice""")]
    [InlineData("""{"rounds":[{"name":"a"},{"name":"a"}]}""", """rounds[1].name: "a" is the name of rounds[0] too""")]
    [InlineData("""{"rounds":[{"name":"a","control":"maximum-rate","stepSeconds":10,"durationSeconds":5}]}""", "rounds[0].stepSeconds: 10 is longer than the round's durationSeconds (5)")]
    public void A_wrong_value_says_where_and_what_is_allowed_in_the_config_s_words(string json, string problem) => AssertProblem(json, problem);

    [Theory]
    [InlineData("""{"rounds":[{"name":"a","inFlight":100000000}]}""", "rounds[0].inFlight: 100000000 is out of range (1 to 10,000)")]
    [InlineData("""{"rounds":[{"name":"a","inFlight":100000000000}]}""", "rounds[0].inFlight: 100000000000 is out of range")]
    [InlineData("""{"rounds":[{"name":"a","durationSeconds":1e308}]}""", "rounds[0].durationSeconds: 1E+308 is out of range (above 0, at most 86,400)")]
    [InlineData("""{"rounds":[{"name":"a","warmupSeconds":86401}]}""", "rounds[0].warmupSeconds: 86401 is out of range (from 0, at most 86,400)")]
    [InlineData("""{"rounds":[{"name":"a","stepSeconds":0}]}""", "rounds[0].stepSeconds: 0 is out of range (above 0, at most 86,400)")]
    [InlineData("""{"rounds":[{"name":"a","tps":1e9}]}""", "rounds[0].tps: 1000000000 is out of range (above 0, at most 100,000)")]
    [InlineData("""{"rounds":[{"name":"a","stepFactor":1}]}""", "rounds[0].stepFactor: 1 is out of range (above 1, at most 100)")]
    [InlineData("""{"passes":1000}""", "passes: 1000 is out of range (1 to 100)")]
    [InlineData("""{"patients":1000000}""", "patients: 1000000 is out of range (1 to 10,000)")]
    [InlineData("""{"documentBytes":52428801}""", "documentBytes: 52428801 is out of range (1 to 52,428,800)")]
    [InlineData("""{"clusterNodes":101}""", "clusterNodes: 101 is out of range (1 to 100)")]
    [InlineData("""{"consortiumOrganisations":0}""", "consortiumOrganisations: 0 is out of range (1 to 100)")]
    [InlineData("""{"rawTransactions":2000000000}""", "rawTransactions: 2000000000 is out of range (0 to 10,000,000)")]
    [InlineData("""{"rawBatch":100000}""", "rawBatch: 100000 is out of range (1 to 10,000)")]
    [InlineData("""{"targetWarmupSeconds":-1}""", "targetWarmupSeconds: -1 is out of range (from 0, at most 86,400)")]
    [InlineData("""{"targetWarmupSeconds":86401}""", "targetWarmupSeconds: 86401 is out of range (from 0, at most 86,400)")]
    [InlineData("""{"targetWarmupMaxSeconds":-5}""", "targetWarmupMaxSeconds: -5 is out of range (from 0, at most 86,400)")]
    public void Every_number_has_an_upper_bound(string json, string problem) => AssertProblem(json, problem);

    [Fact]
    public void Each_target_is_warmed_up_at_the_highest_fixed_load_of_the_config_and_the_quick_run_is_not()
    {
        var (config, problem) = BenchConfig.Read("""{"targetWarmupSeconds":7.5,"rounds":[{"name":"a","control":"fixed-rate","tps":50},{"name":"b","inFlight":64},{"name":"c","inFlight":16}]}""");
        Assert.Null(problem);
        Assert.Equal((7.5, 64), (config!.TargetWarmupSeconds, config.TargetWarmupInFlight));
        Assert.Equal(32, BenchConfig.Read("""{"rounds":[{"name":"a","control":"fixed-rate"}]}""").Config!.TargetWarmupInFlight);
        Assert.Equal((20.0, 128), (new BenchConfig().TargetWarmupSeconds, new BenchConfig().TargetWarmupInFlight));
        Assert.Equal(0, BenchConfig.Quick.TargetWarmupSeconds); // CI's quick pass measures correctness, not speed
        Assert.Equal((180.0, 0.0), (new BenchConfig().TargetWarmupMaxSeconds, BenchConfig.Quick.TargetWarmupMaxSeconds));
    }

    [Fact]
    public void The_bounds_are_the_node_s_own_limits_where_the_node_has_one()
    {
        Assert.Equal(BenchConfig.MaxDocumentBytes, new Node.Configuration.NodeOptions { DataDirectory = "unused" }.MaxDocumentBytes);
        Assert.Equal(BenchConfig.MaxClusterNodes, Core.Model.ValidatorSet.MaxNodes);
        Assert.Equal(BenchConfig.MaxConsortiumOrganisations, Core.Governance.Consortium.MaxOrganisations);
        Assert.Equal(100, BenchConfig.MaxPasses); // as the CLI's --passes
    }

    [Fact]
    public void A_nodeData_that_is_not_a_folder_is_refused_before_the_run()
    {
        using var dir = new TempDirectory();
        AssertProblem($$"""{"nodeData":"{{dir.Combine("missing")}}"}""", $"nodeData: {dir.Combine("missing")} is not a folder");
        var (config, problem) = BenchConfig.Read($$"""{"nodeData":"{{dir.Path}}"}""");
        Assert.Null(problem);
        Assert.Equal(dir.Path, config!.NodeData);
    }

    [Fact]
    public void A_folder_or_a_file_that_is_not_JSON_is_one_line_naming_it()
    {
        using var dir = new TempDirectory();
        Assert.Equal($"{dir.Path} is a folder, not a config file", Assert.Throws<InvalidDataException>(() => BenchConfig.Load(dir.Path)).Message);
        var file = dir.Combine("c.json");
        File.WriteAllText(file, "{,}");
        Assert.StartsWith($"{file} is not valid JSON: ", Assert.Throws<InvalidDataException>(() => BenchConfig.Load(file)).Message, StringComparison.Ordinal);
        Assert.StartsWith("cannot read ", Assert.Throws<InvalidDataException>(() => BenchConfig.Load(dir.Combine("none.json"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_configs_and_the_built_in_ones_are_valid()
    {
        var configs = Directory.GetFiles(Path.Combine(Root(), "bench", "configs"), "*.json");
        Assert.NotEmpty(configs);
        foreach (var file in configs) BenchConfig.Load(file);
        Assert.Null(new BenchConfig().Problem());
        Assert.Null(BenchConfig.Quick.Problem());
        var (config, problem) = BenchConfig.Read("""{"rounds":[{"name":"m","control":"maximum-rate","tps":50}],"passes":1}""");
        Assert.Null(problem);
        Assert.Equal(RateControl.MaximumRate, config!.Rounds.Single().Control);
        Assert.Equal(new BenchConfig().Mix, config.Mix); // what is left out keeps its default
    }

    [Fact]
    public void A_config_built_in_code_with_nulls_is_a_problem_not_an_exception()
    {
        Assert.Equal("rounds: at least one round is needed", (new BenchConfig { Rounds = null! }).Problem());
        Assert.Equal("rounds[0]: a round is needed, not null", (new BenchConfig { Rounds = [null!] }).Problem());
        Assert.Equal("targets: null is not one of node, cluster, consortium, postgres, postgres-chained, node-postgres", (new BenchConfig { Targets = [null!] }).Problem());
        Assert.Equal("mix: the weights are needed, not null", (new BenchConfig { Mix = null! }).Problem());
    }

    private static void AssertProblem(string json, string problem)
    {
        var (config, found) = BenchConfig.Read(json);
        Assert.Null(config);
        Assert.NotNull(found);
        Assert.StartsWith(problem, found, StringComparison.Ordinal);
        Assert.DoesNotContain("HealthLedger.", found, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", found, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', found);
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthLedger.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (HealthLedger.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
