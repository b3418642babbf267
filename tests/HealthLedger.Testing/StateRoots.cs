using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Testing;

/// <summary>State roots for tests of refusals.</summary>
public static class StateRoots
{
    /// <summary>
    /// The root of <paramref name="state"/>'s entries other than signers' nonces (<c>nonce/…</c>): what a transaction refused
    /// after its signer check must leave as it was (it uses up its nonce and writes nothing else; <c>BlockExecutor</c>).
    /// </summary>
    public static Hash256 RootWithoutNonces(this WorldState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return WorldState.Load(state.Entries.Where(e => !e.Key.StartsWith("nonce/", StringComparison.Ordinal)).ToList()).Root;
    }
}
