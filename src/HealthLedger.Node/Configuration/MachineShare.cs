using System.Globalization;

namespace HealthLedger.Node.Configuration;

/// <summary>
/// The share of this machine's processors a node counts on for its admission budgets (<see cref="AdmissionLimits"/>): all of
/// them, unless several nodes run on the machine — <c>cluster up</c> and <c>consortium up</c> tell the nodes they start how many
/// they run (<see cref="Variable"/>), and each then takes its share of the processors. Four nodes on two cores each taking the
/// two cores' budget admitted four times the writes the machine commits in a second, and an admitted write waited seconds
/// (docs/benchmarks.md, "A local network's nodes share the machine's budget").
/// </summary>
public static class MachineShare
{
    /// <summary>
    /// The environment variable naming how many nodes run on this machine (a whole number, at least 1; anything else counts as 1).
    /// Set by <c>cluster up</c> and <c>consortium up</c> for their nodes unless it is already set.
    /// </summary>
    public const string Variable = "HEALTHLEDGER_NODES_ON_MACHINE";

    /// <summary>How many nodes share this machine (<see cref="Variable"/>; 1 when unset or not a whole number of at least 1).</summary>
    public static int NodesOnMachine =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var nodes) && nodes >= 1 ? nodes : 1;

    /// <summary>A budget of <paramref name="perProcessor"/> per processor of this node's share: per processor × processors ÷ nodes on the machine, at least <paramref name="atLeast"/>.</summary>
    public static long PerProcessor(long perProcessor, long atLeast = 1) => Of(perProcessor, Environment.ProcessorCount, NodesOnMachine, atLeast);

    /// <summary><paramref name="perProcessor"/> × <paramref name="processors"/> ÷ <paramref name="nodes"/>, at least <paramref name="atLeast"/>.</summary>
    public static long Of(long perProcessor, int processors, int nodes, long atLeast = 1) =>
        Math.Max(atLeast, perProcessor * processors / Math.Max(1, nodes));
}
