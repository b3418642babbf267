namespace HealthLedger.Core.State;

/// <summary>
/// A value read on demand (<see cref="WorldState.ReadOnDemand"/>) is missing from the store or does not hash to the value hash
/// the state's tree holds for its key: the store has moved on to a later block than the state (a commit under way: read
/// again once it has been applied), or the stored value was changed outside the node. The message names the key, never the
/// value.
/// </summary>
public sealed class StateValueMismatchException(string key)
    : Exception($"The stored value of state key '{key}' does not match the value hash in the state's tree.")
{
    /// <summary>The key whose value did not match.</summary>
    public string Key { get; } = key;
}
