namespace HealthLedger.Core.State;

/// <summary>
/// Where a <see cref="WorldState"/> reads the values it does not hold in memory (<see cref="WorldState.ReadOnDemand"/>): the
/// node's ledger store. What it returns is not trusted: the state checks every value against the value hash its tree holds.
/// </summary>
public interface IStateValueSource
{
    /// <summary>The stored value of <paramref name="key"/>, or null when none is stored.</summary>
    byte[]? Read(string key);

    /// <summary>
    /// The stored entries whose keys start with <paramref name="prefix"/>, in the store's key order (ordinal for the keys the
    /// node writes): what a prefix read of the state returns, each checked against the state's tree.
    /// </summary>
    IEnumerable<KeyValuePair<string, byte[]>> ReadPrefix(string prefix);
}
