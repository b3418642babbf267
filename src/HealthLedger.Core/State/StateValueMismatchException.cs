namespace HealthLedger.Core.State;

/// <summary>
/// An entry read on demand (<see cref="WorldState.ReadOnDemand"/>) does not match the state's tree: its value is missing from the
/// store or does not hash to the value hash the tree holds for its key, the store holds a key the tree does not, or the store
/// holds another number of entries under a prefix read whole. Either the store has moved on to a later block than the state (a
/// commit under way: read again once it has been applied), or the store was changed outside the node. The message names the
/// key (or the prefix), never a value.
/// </summary>
public sealed class StateValueMismatchException : Exception
{
    /// <summary>A value of <paramref name="key"/> that is missing or differs, or a key the tree does not hold.</summary>
    public StateValueMismatchException(string key)
        : this(key, $"The stored value of state key '{key}' does not match the state's tree.")
    {
    }

    /// <summary>A mismatch found at <paramref name="key"/> (a key, or a prefix whose rows were counted), described by <paramref name="message"/>.</summary>
    public StateValueMismatchException(string key, string message)
        : base(message) => Key = key;

    /// <summary>The key whose value did not match, or the prefix under which the store held another number of entries.</summary>
    public string Key { get; }
}
