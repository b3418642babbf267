using System.Globalization;

namespace HealthLedger.Node.Configuration;

/// <summary>
/// The share of this machine's processors a node counts on for its admission budgets (<see cref="AdmissionLimits"/>): all of
/// them, unless several nodes run on the machine — <c>consortium up</c> tells the nodes it starts how many it runs
/// (<see cref="Variable"/>), and each then takes its share of the processors. (<c>cluster up</c> does not: its nodes are one
/// organisation's, whose users may all work at one of them.) Four nodes on two cores each taking the
/// two cores' budget admitted four times the writes the machine commits in a second, and an admitted write waited seconds
/// (docs/benchmarks.md, "A local network's nodes share the machine's budget").
/// </summary>
public static class MachineShare
{
    /// <summary>
    /// The environment variable naming how many nodes run on this machine: a whole number from 1 to <see cref="MaxNodes"/>
    /// (<see cref="Problem"/> names any other value, which the commands that start a node refuse). Set by <c>consortium up</c>
    /// for its nodes unless it is already set.
    /// </summary>
    public const string Variable = "HEALTHLEDGER_NODES_ON_MACHINE";

    /// <summary>The largest value <see cref="Variable"/> may take.</summary>
    public const int MaxNodes = 1024;

    /// <summary>How many nodes share this machine (<see cref="Variable"/>; 1 when unset or not valid, which <see cref="Problem"/> reports).</summary>
    public static int NodesOnMachine => Parse(Environment.GetEnvironmentVariable(Variable)) ?? 1;

    /// <summary>
    /// One line saying why <see cref="Variable"/>'s value is not a whole number from 1 to <see cref="MaxNodes"/>, or null when it
    /// is, or is unset or empty. An operator's typo would otherwise leave a node taking the whole machine's budget unannounced.
    /// </summary>
    public static string? Problem => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value && Parse(value) is null
        ? $"{Variable} is \"{(value.Length > 40 ? value[..(char.IsHighSurrogate(value[39]) ? 39 : 40)] + "…" : value)}\": it must be the number of nodes on this machine, a whole number from 1 to {MaxNodes} (or unset for 1)."
        : null;

    private static int? Parse(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var nodes) && nodes is >= 1 and <= MaxNodes ? nodes : null;

    /// <summary>A budget of <paramref name="perProcessor"/> per processor of this node's share: per processor × processors ÷ nodes on the machine, at least <paramref name="atLeast"/>.</summary>
    public static long PerProcessor(long perProcessor, long atLeast = 1) => Of(perProcessor, Environment.ProcessorCount, NodesOnMachine, atLeast);

    /// <summary><paramref name="perProcessor"/> × <paramref name="processors"/> ÷ <paramref name="nodes"/>, at least <paramref name="atLeast"/>.</summary>
    public static long Of(long perProcessor, int processors, int nodes, long atLeast = 1) =>
        Math.Max(atLeast, perProcessor * processors / Math.Max(1, nodes));
}
