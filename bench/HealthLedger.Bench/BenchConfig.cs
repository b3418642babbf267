using System.Text.Json;
using System.Text.Json.Serialization;

namespace HealthLedger.Bench;

/// <summary>How load is offered in a round (Hyperledger Caliper's rate controllers).</summary>
public enum RateControl
{
    /// <summary>A fixed number of operations per second.</summary>
    FixedRate,
    /// <summary>A fixed number of operations in flight.</summary>
    FixedLoad,
    /// <summary>Fixed-rate steps that rise until throughput stops rising.</summary>
    MaximumRate,
}

/// <summary>One round: a rate controller with its parameters, a warm-up and a measured duration.</summary>
public sealed record RoundConfig
{
    public required string Name { get; init; }
    public RateControl Control { get; init; } = RateControl.FixedLoad;
    /// <summary>Operations per second (fixed-rate), or the first step (maximum-rate).</summary>
    public double Tps { get; init; } = 100;
    /// <summary>Operations in flight (fixed-load).</summary>
    public int InFlight { get; init; } = 32;
    /// <summary>Maximum-rate: each step offers this many times the previous step's rate; each step lasts <see cref="StepSeconds"/>.</summary>
    public double StepFactor { get; init; } = 2;
    public double StepSeconds { get; init; } = 5;
    public double WarmupSeconds { get; init; } = 2;
    public double DurationSeconds { get; init; } = 15;
}

/// <summary>
/// The operation mix, by weight. <see cref="LabOrder"/> is one lab order through its five steps (order, collection, receipt,
/// results, validation with its charge) and <see cref="Dispense"/> a prescription and its dispense (stock out, charge), each
/// one operation measured to its last commit.
/// </summary>
public sealed record WorkloadMix
{
    public int RegisterPatient { get; init; } = 1;
    public int Encounter { get; init; } = 30;
    public int Charge { get; init; } = 15;
    public int Payment { get; init; } = 10;
    public int LabReport { get; init; } = 10;
    public int GrantRevoke { get; init; } = 4;
    public int Read { get; init; } = 30;
    public int LabOrder { get; init; } = 4;
    public int Dispense { get; init; } = 4;
}

/// <summary>A benchmark: targets, rounds, workload and passes. Loaded from JSON (<c>--config</c>) or the defaults.</summary>
public sealed record BenchConfig
{
    /// <summary>The targets a config may name: <see cref="Targets"/>'s defaults.</summary>
    public static IReadOnlyList<string> KnownTargets { get; } = ["node", "cluster", "consortium", "postgres", "postgres-chained", "node-postgres"];

    /// <summary>Targets, run alternately: <c>node</c>, <c>cluster</c>, <c>consortium</c>, <c>postgres</c>, <c>postgres-chained</c>, <c>node-postgres</c> (a node whose ledger is in PostgreSQL).</summary>
    public IReadOnlyList<string> Targets { get; init; } = KnownTargets;
    public IReadOnlyList<RoundConfig> Rounds { get; init; } = DefaultRounds;
    public WorkloadMix Mix { get; init; } = new();
    /// <summary>Patients registered (with their logins) before the rounds.</summary>
    public int Patients { get; init; } = 6;
    /// <summary>Size of the file attached to each lab report.</summary>
    public int DocumentBytes { get; init; } = 4096;
    /// <summary>
    /// The node target's starting data (scale study): a node data folder (e.g. made by <c>healthledger seed --scale</c>, with
    /// the admin password <see cref="BenchRun.Password"/>) copied for each pass instead of a new network; null (default): empty.
    /// </summary>
    public string? NodeData { get; init; }
    /// <summary>Voting nodes of the cluster target.</summary>
    public int ClusterNodes { get; init; } = 4;
    /// <summary>Organisations (hospitals, one node each) of the consortium target.</summary>
    public int ConsortiumOrganisations { get; init; } = 4;
    /// <summary>
    /// Pre-signed transactions sent through the raw signed-transaction path (<c>healthledger load</c>) to each HealthLedger target
    /// after its rounds, per pass; 0 leaves the raw path out.
    /// </summary>
    public int RawTransactions { get; init; } = 20_000;
    /// <summary>Transactions per batch request of the raw path.</summary>
    public int RawBatch { get; init; } = 500;
    /// <summary>Each target runs every round once per pass; passes alternate the targets (the machine's speed drifts).</summary>
    public int Passes { get; init; } = 2;

    /// <summary>
    /// Seconds of load given to each target after its setup and before its first round, not measured: fixed-load at the
    /// config's highest fixed-load in-flight (32 when no round is fixed-load), the same mix. A freshly started .NET process
    /// under full load ran its first ~15 s at 55–65% of its later throughput on the 2-core machine (the JIT compiling the hot
    /// path at full optimisation beside the load; docs/benchmarks.md, "Warm-up of a fresh target"), which a round's own
    /// one-second warm-up does not cover; every target, the PostgreSQL baseline included, gets the same. 0 leaves it out.
    /// </summary>
    public double TargetWarmupSeconds { get; init; } = 20;

    /// <summary>
    /// After <see cref="TargetWarmupSeconds"/>, the warm-up goes on in slices of <see cref="WarmupSliceSeconds"/> while the
    /// target's processes are still compiling (Linux: the runtime's tiered-compilation thread took more than
    /// <see cref="SettledJitShare"/> of their CPU in the last slice), up to this many seconds of warm-up in all. Four nodes on
    /// two cores each compile the same hot path at tier 1 on a quarter of the machine: the consortium spent 32% of its CPU in
    /// the JIT 5 s into its first round after 20 s of warm-up, none 75 s in (docs/benchmarks.md, "The JIT still compiling in a
    /// network's first round"). At most <see cref="TargetWarmupSeconds"/> leaves the check out (a fixed warm-up). Default 180.
    /// </summary>
    public double TargetWarmupMaxSeconds { get; init; } = 180;

    /// <summary>The slice of the warm-up after which the JIT's share is checked, in seconds.</summary>
    public const double WarmupSliceSeconds = 5;

    /// <summary>The JIT's share of the target's CPU in a slice below which its warm-up has settled (2%).</summary>
    public const double SettledJitShare = 0.02;

    /// <summary>Operations in flight during <see cref="TargetWarmupSeconds"/>.</summary>
    public int TargetWarmupInFlight =>
        Rounds?.Where(r => r is { Control: RateControl.FixedLoad }).Select(r => r.InFlight).DefaultIfEmpty(32).Max() ?? 32;

    public static IReadOnlyList<RoundConfig> DefaultRounds { get; } =
    [
        new() { Name = "fixed-rate-100", Control = RateControl.FixedRate, Tps = 100, WarmupSeconds = 1, DurationSeconds = 8 },
        new() { Name = "fixed-load-128", Control = RateControl.FixedLoad, InFlight = 128, WarmupSeconds = 1, DurationSeconds = 8 },
        new() { Name = "maximum-rate", Control = RateControl.MaximumRate, Tps = 200, StepFactor = 2, StepSeconds = 2.5, WarmupSeconds = 1, DurationSeconds = 15 },
    ];

    /// <summary>A few minutes in all: short rounds (a short maximum-rate round too), one pass, few patients.</summary>
    public static BenchConfig Quick { get; } = new()
    {
        Patients = 2,
        Passes = 1,
        TargetWarmupSeconds = 0,
        TargetWarmupMaxSeconds = 0,
        RawTransactions = 1_000,
        Rounds =
        [
            new() { Name = "fixed-rate-20", Control = RateControl.FixedRate, Tps = 20, WarmupSeconds = 0.25, DurationSeconds = 1.5 },
            new() { Name = "fixed-load-16", Control = RateControl.FixedLoad, InFlight = 16, WarmupSeconds = 0.25, DurationSeconds = 1.5 },
            new() { Name = "maximum-rate", Control = RateControl.MaximumRate, Tps = 20, StepFactor = 2, StepSeconds = 1, WarmupSeconds = 0, DurationSeconds = 3 },
        ],
    };

    /// <summary>Most operations in flight in a fixed-load round (each is a task and a connection of the client).</summary>
    public const int MaxInFlight = 10_000;

    /// <summary>Highest offered rate of a fixed-rate round or of a maximum-rate round's first step, operations per second.</summary>
    public const double MaxTps = 100_000;

    /// <summary>Largest step factor of a maximum-rate round.</summary>
    public const double MaxStepFactor = 100;

    /// <summary>Longest warm-up, duration or step: 24 hours, in seconds.</summary>
    public const double MaxSeconds = 24 * 60 * 60;

    /// <summary>Most passes (as the CLI's <c>--passes</c>).</summary>
    public const int MaxPasses = 100;

    /// <summary>Most patients registered (each with a login) before the rounds.</summary>
    public const int MaxPatients = 10_000;

    /// <summary>Largest lab report file: a node's default largest document (NodeOptions.MaxDocumentBytes, 50 MiB).</summary>
    public const int MaxDocumentBytes = 50 * 1024 * 1024;

    /// <summary>Most nodes of the cluster target: a network's most voting nodes (ValidatorSet.MaxNodes).</summary>
    public const int MaxClusterNodes = 100;

    /// <summary>Most organisations of the consortium target: a consortium's most members (Consortium.MaxOrganisations).</summary>
    public const int MaxConsortiumOrganisations = 100;

    /// <summary>Most raw-path transactions per target and pass (all pre-signed in memory before the clock starts).</summary>
    public const int MaxRawTransactions = 10_000_000;

    /// <summary>Most transactions per raw-path batch request.</summary>
    public const int MaxRawBatch = 10_000;

    /// <summary>A rate controller's name in a config and a report: fixed-rate, fixed-load, maximum-rate.</summary>
    public static string NameOf(RateControl control) => JsonNamingPolicy.KebabCaseLower.ConvertName(control.ToString());

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Only the names (a number would give a controller that does not exist); ConfigShape checks a config before this reads it.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private const string NotJson = "not valid JSON: ";

    /// <summary>Reads a config file; missing fields keep their defaults.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read or is not a valid config (the message is one line).</exception>
    public static BenchConfig Load(string path)
    {
        string text;
        try
        {
            if (string.IsNullOrWhiteSpace(path)) throw new InvalidDataException("a config file is needed, not an empty name");
            if (Directory.Exists(path)) throw new InvalidDataException($"{path} is a folder, not a config file");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read {path}: {e.Message}");
        }
        var (config, problem) = Read(text);
        if (problem is not null) throw new InvalidDataException(problem.StartsWith(NotJson, StringComparison.Ordinal) ? $"{path} is {problem}" : problem);
        return config!;
    }

    /// <summary>
    /// Reads a config from JSON: the config, or the first problem in one line that names where it is (<c>rounds[1].control: "foo"
    /// is not one of fixed-rate, fixed-load, maximum-rate</c>). Unknown keys, nulls and values of the wrong type are problems, as
    /// is every value <see cref="Problem"/> finds.
    /// </summary>
    public static (BenchConfig? Config, string? Problem) Read(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return (null, NotJson + e.Message);
        }
        using (document)
        {
            if (ConfigShape.Problem(document.RootElement, typeof(BenchConfig), Json) is { } shape) return (null, shape);
            BenchConfig config;
            try
            {
                config = document.RootElement.Deserialize<BenchConfig>(Json)!;
            }
            catch (JsonException e)
            {
                // ConfigShape should have found it first; the serializer's own words, then.
                return (null, $"{e.Path}: {e.Message}");
            }
            // A value out of range first, then a key the round's controller would not read.
            return (config.Problem() ?? KeyNotForControl(document.RootElement)) is { } problem ? (null, problem) : (config, null);
        }
    }

    /// <summary>Checks the values; returns this.</summary>
    /// <exception cref="InvalidDataException">A value is out of range (the message is <see cref="Problem"/>'s).</exception>
    public BenchConfig Validate() => Problem() is { } problem ? throw new InvalidDataException(problem) : this;

    // A round's key that its rate controller does not read (tps on a fixed-load round, inFlight on a fixed-rate one…): a
    // mistake, since the round would run without it, so named in one line. The shape is already checked.
    private static string? KeyNotForControl(JsonElement root)
    {
        if (!root.TryGetProperty("rounds", out var rounds) || rounds.ValueKind != JsonValueKind.Array) return null;
        var i = 0;
        foreach (var round in rounds.EnumerateArray())
        {
            var at = FormattableString.Invariant($"rounds[{i++}]");
            if (round.ValueKind != JsonValueKind.Object) continue;
            var control = round.TryGetProperty("control", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : NameOf(RateControl.FixedLoad);
            string[] reads = control switch
            {
                "fixed-rate" => ["tps"],
                "fixed-load" => ["inFlight"],
                _ => ["tps", "stepFactor", "stepSeconds"],
            };
            foreach (var key in new[] { "tps", "inFlight", "stepFactor", "stepSeconds" })
            {
                if (round.TryGetProperty(key, out _) && !reads.Contains(key))
                {
                    return $"{at}.{key}: does not apply to a {control} round (it reads {string.Join(", ", reads)})";
                }
            }
        }
        return null;
    }

    /// <summary>The first value out of range, in one line that names where it is; null when every value is in range.</summary>
    public string? Problem()
    {
        var known = KnownTargets;
        if (Targets is null || Targets.Count == 0) return "targets: at least one target is needed, from " + string.Join(", ", known);
        for (var i = 0; i < Targets.Count; i++)
        {
            var target = Targets[i];
            if (target is null || !known.Contains(target)) return $"targets: {Quote(target)} is not one of {string.Join(", ", known)}";
            if (Targets.Take(i).Contains(target)) return $"targets: \"{target}\" is named twice";
        }
        if (Rounds is null || Rounds.Count == 0) return "rounds: at least one round is needed";
        for (var i = 0; i < Rounds.Count; i++)
        {
            var at = FormattableString.Invariant($"rounds[{i}]");
            if (Rounds[i] is not { } r) return $"{at}: a round is needed, not null";
            if (string.IsNullOrWhiteSpace(r.Name)) return $"{at}: \"name\" is required";
            for (var k = 0; k < i; k++)
            {
                if (Rounds[k]?.Name == r.Name) return FormattableString.Invariant($"{at}.name: \"{r.Name}\" is the name of rounds[{k}] too");
            }
            if (!Enum.IsDefined(r.Control)) return $"{at}.control: not one of {string.Join(", ", Enum.GetValues<RateControl>().Select(NameOf))}";
            var range = OutOfRange($"{at}.tps", r.Tps, 0, MaxTps) ?? OutOfRange($"{at}.inFlight", r.InFlight, 1, MaxInFlight)
                ?? OutOfRange($"{at}.stepFactor", r.StepFactor, 1, MaxStepFactor) ?? OutOfRange($"{at}.stepSeconds", r.StepSeconds, 0, MaxSeconds)
                ?? OutOfRange($"{at}.warmupSeconds", r.WarmupSeconds, 0, MaxSeconds, zero: true) ?? OutOfRange($"{at}.durationSeconds", r.DurationSeconds, 0, MaxSeconds);
            if (range is not null) return range;
            if (r.Control == RateControl.MaximumRate && r.StepSeconds > r.DurationSeconds)
            {
                return FormattableString.Invariant($"{at}.stepSeconds: {r.StepSeconds} is longer than the round's durationSeconds ({r.DurationSeconds}): the round would measure no step");
            }
        }
        if (Mix is null) return "mix: the weights are needed, not null";
        (string Name, int Weight)[] weights = [("registerPatient", Mix.RegisterPatient), ("encounter", Mix.Encounter), ("charge", Mix.Charge), ("payment", Mix.Payment),
            ("labReport", Mix.LabReport), ("grantRevoke", Mix.GrantRevoke), ("read", Mix.Read), ("labOrder", Mix.LabOrder), ("dispense", Mix.Dispense)];
        if (weights.FirstOrDefault(w => w.Weight < 0) is { Name: { } negative, Weight: var value })
        {
            return FormattableString.Invariant($"mix.{negative}: {value} is out of range (a weight is 0 or more)");
        }
        if (weights.Sum(w => (long)w.Weight) is 0 or > int.MaxValue) return "mix weights must be zero or positive, with at least one positive";
        return OutOfRange("patients", Patients, 1, MaxPatients) ?? OutOfRange("documentBytes", DocumentBytes, 1, MaxDocumentBytes)
            ?? OutOfRange("passes", Passes, 1, MaxPasses) ?? OutOfRange("clusterNodes", ClusterNodes, 1, MaxClusterNodes)
            ?? OutOfRange("consortiumOrganisations", ConsortiumOrganisations, 1, MaxConsortiumOrganisations)
            ?? OutOfRange("rawTransactions", RawTransactions, 0, MaxRawTransactions) ?? OutOfRange("rawBatch", RawBatch, 1, MaxRawBatch)
            ?? OutOfRange("targetWarmupSeconds", TargetWarmupSeconds, 0, MaxSeconds, zero: true)
            ?? OutOfRange("targetWarmupMaxSeconds", TargetWarmupMaxSeconds, 0, MaxSeconds, zero: true)
            ?? (NodeData is { } folder && !Directory.Exists(folder) ? $"nodeData: {folder} is not a folder" : null);
    }

    private static string Quote(string? value) => value is null ? "null" : $"\"{value}\"";

    // A whole number from min to max.
    private static string? OutOfRange(string path, long value, long min, long max) =>
        value >= min && value <= max ? null : FormattableString.Invariant($"{path}: {value} is out of range ({min} to {max:#,0})");

    // A number above min (or from min, with zero) up to max.
    private static string? OutOfRange(string path, double value, double min, double max, bool zero = false) =>
        (zero ? value >= min : value > min) && value <= max ? null
            : FormattableString.Invariant($"{path}: {value} is out of range ({(zero ? "from" : "above")} {min}, at most {max:#,0.##})");
}
