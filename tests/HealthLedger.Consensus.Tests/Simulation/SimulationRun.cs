namespace HealthLedger.Consensus.Tests.Simulation;

/// <summary>One seeded simulation: what a failing or stalled seed prints, and how to replay it exactly.</summary>
/// <param name="Seed">The random seed.</param>
/// <param name="N">Validators.</param>
/// <param name="Faulty">How many of them are Byzantine (the last ones).</param>
/// <param name="Behaviour">What the Byzantine ones do.</param>
public sealed record SimulationRun(int Seed, int N, int Faulty, Byzantine Behaviour)
{
    /// <summary>Heights every honest node must decide after GST.</summary>
    public const int HeightsAfterGst = 3;

    /// <summary>The environment variable <see cref="SimulationTests"/> reads a run to replay from.</summary>
    public const string ReplayVariable = "HEALTHLEDGER_SIM_REPLAY";

    /// <summary>A simulator for this run.</summary>
    public Simulator Create() => new(Seed, N, Faulty, Behaviour);

    /// <summary>The shell command that replays this run alone.</summary>
    public string ReplayCommand =>
        $"{ReplayVariable}={Seed}:{N}:{Faulty}:{Behaviour.ToString().Replace(" ", "", StringComparison.Ordinal)} dotnet test --project tests/HealthLedger.Consensus.Tests --filter-method \"*Replay_the_seed_named_by_the_environment\"";

    /// <inheritdoc />
    public override string ToString() => $"seed {Seed}, n = {N} organisations (one node each), {Faulty} Byzantine ({Behaviour})";

    /// <summary>Parses <c>seed:n:faulty:behaviour</c> (as in <see cref="ReplayCommand"/>).</summary>
    public static SimulationRun Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 4) throw new FormatException($"expected seed:n:faulty:behaviour, got '{text}'");
        return new SimulationRun(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), Enum.Parse<Byzantine>(parts[3]));
    }
}
