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
        RawTransactions = 1_000,
        Rounds =
        [
            new() { Name = "fixed-rate-20", Control = RateControl.FixedRate, Tps = 20, WarmupSeconds = 0.25, DurationSeconds = 1.5 },
            new() { Name = "fixed-load-16", Control = RateControl.FixedLoad, InFlight = 16, WarmupSeconds = 0.25, DurationSeconds = 1.5 },
            new() { Name = "maximum-rate", Control = RateControl.MaximumRate, Tps = 20, StepFactor = 2, StepSeconds = 1, WarmupSeconds = 0, DurationSeconds = 3 },
        ],
    };

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Reads a config file; missing fields keep their defaults.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid config.</exception>
    public static BenchConfig Load(string path)
    {
        try
        {
            var config = JsonSerializer.Deserialize<BenchConfig>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
            return config.Validate();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid benchmark config: {e.Message}");
        }
    }

    /// <summary>Checks the values; returns this.</summary>
    /// <exception cref="InvalidDataException">A value is out of range.</exception>
    public BenchConfig Validate()
    {
        var known = KnownTargets;
        if (Targets.Count == 0 || Targets.FirstOrDefault(t => !known.Contains(t)) is { } bad && bad is not null)
        {
            throw new InvalidDataException($"targets must be some of {string.Join(", ", known)}");
        }
        if (Rounds.Count == 0) throw new InvalidDataException("at least one round is needed");
        foreach (var r in Rounds)
        {
            if (r.DurationSeconds <= 0 || r.WarmupSeconds < 0 || r.Tps <= 0 || r.InFlight < 1 || r.StepSeconds <= 0 || r.StepFactor <= 1)
            {
                throw new InvalidDataException($"round '{r.Name}': durations and rates must be positive and stepFactor above 1");
            }
        }
        int[] weights = [Mix.RegisterPatient, Mix.Encounter, Mix.Charge, Mix.Payment, Mix.LabReport, Mix.GrantRevoke, Mix.Read, Mix.LabOrder, Mix.Dispense];
        if (weights.Any(w => w < 0) || weights.Sum(w => (long)w) is 0 or > int.MaxValue) throw new InvalidDataException("mix weights must be zero or positive, with at least one positive");
        if (Patients < 1 || DocumentBytes < 1 || Passes < 1 || ClusterNodes < 1 || ConsortiumOrganisations < 1)
        {
            throw new InvalidDataException("patients, documentBytes, passes, clusterNodes and consortiumOrganisations must be positive");
        }
        if (RawTransactions < 0 || RawBatch < 1) throw new InvalidDataException("rawTransactions must be zero (no raw path) or positive, and rawBatch positive");
        return this;
    }
}
