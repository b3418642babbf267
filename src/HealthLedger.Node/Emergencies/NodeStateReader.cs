using System.Diagnostics.CodeAnalysis;
using HealthLedger.Core.State;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Emergencies;

/// <summary>The node's committed state as an <see cref="IStateReader"/>.</summary>
internal sealed class NodeStateReader(LedgerNode node) : IStateReader
{
    public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value) => (value = node.GetState(key)) is not null;
}
