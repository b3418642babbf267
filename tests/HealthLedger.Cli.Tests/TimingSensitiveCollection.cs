namespace HealthLedger.Cli.Tests;

/// <summary>
/// Tests that measure time between commits (<see cref="ConsortiumMembershipTests"/>): they run alone, after the parallel
/// ones, so that other test classes' processes on the same cores do not stretch the pauses they bound.
/// </summary>
[CollectionDefinition(nameof(TimingSensitiveCollection), DisableParallelization = true)]
public sealed class TimingSensitiveCollection;
