using HealthLedger.Core.State;

namespace HealthLedger.Core.Model;

/// <summary>
/// The voting nodes, kept in the world state under <see cref="StateKeys.Validators"/> (their ids, sorted) with each node's
/// record under <see cref="StateKeys.Node"/>. The set that decides block h is the one in the state after block h − 1, so
/// a change made by a configuration transaction takes effect at the next block boundary on every node alike.
/// </summary>
public static class ValidatorSet
{
    /// <summary>Most voting nodes a network may have.</summary>
    public const int MaxNodes = 100;

    /// <summary>Encodes a set of node ids (sorted, distinct).</summary>
    public static byte[] Encode(IEnumerable<string> nodeIds) => IdList.Encode(nodeIds);

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static IReadOnlyList<string>? TryDecodeIds(ReadOnlySpan<byte> data) => IdList.TryDecode(data, MaxNodes);

    /// <summary>The validator ids in the state (empty when none are recorded).</summary>
    public static IReadOnlyList<string> Ids(IStateReader state) =>
        state.TryGet(StateKeys.Validators, out var bytes) ? TryDecodeIds(bytes) ?? throw new InvalidDataException("The stored validator set is damaged.") : [];

    /// <summary>The non-voting observer ids in the state (<see cref="StateKeys.Observers"/>; empty when none).</summary>
    public static IReadOnlyList<string> ObserverIds(IStateReader state) =>
        state.TryGet(StateKeys.Observers, out var bytes) ? TryDecodeIds(bytes) ?? throw new InvalidDataException("The stored observer list is damaged.") : [];

    /// <summary>The non-voting observers' records, in id order (see <see cref="StateKeys.Observers"/>).</summary>
    public static IReadOnlyList<NodeRecord> ReadObservers(IStateReader state) =>
        ObserverIds(state).Select(id => state.TryGet(StateKeys.Node(id), out var b) && NodeRecord.TryDecode(b) is { } n
            ? n : throw new InvalidDataException($"The record of observer node '{id}' is missing or damaged.")).ToList();

    /// <summary>The validators' records, in id order.</summary>
    public static IReadOnlyList<NodeRecord> Read(IStateReader state) =>
        Ids(state).Select(id => state.TryGet(StateKeys.Node(id), out var b) && NodeRecord.TryDecode(b) is { } n
            ? n : throw new InvalidDataException($"The record of validator '{id}' is missing or damaged.")).ToList();

    /// <summary>
    /// Byzantine faults a set of <paramref name="n"/> validators tolerates: f = ⌊(n − 1) / 3⌋ (the largest f with
    /// n ≥ 3f + 1). f + 1 distinct validators therefore include at least one honest one.
    /// </summary>
    public static int FaultsTolerated(int n) => (n - 1) / 3;

    /// <summary>
    /// Votes that decide among <paramref name="n"/> validators: ⌊2n / 3⌋ + 1, the one quorum used everywhere (engine, commit
    /// certificates, health output). Two quorums share 2q − n ≥ f + 1 validators for every n, so at least one honest one:
    /// that is what makes two decisions at one height impossible. (2f + 1, the paper's figure, is the same number only when
    /// n = 3f + 1: with n = 5 it would be 3, and two quorums of 3 share a single, possibly Byzantine, validator.) The n − f
    /// honest validators always form a quorum, so the network stays live with f faulty ones.
    /// </summary>
    public static int Quorum(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return 2 * n / 3 + 1;
    }
}
