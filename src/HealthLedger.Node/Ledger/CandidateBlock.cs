using HealthLedger.Core.Execution;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Ledger;

/// <summary>A built block and the record ciphertexts of its accepted transactions, ready to commit.</summary>
/// <param name="Built">The block with its execution.</param>
/// <param name="Blobs">Ciphertexts to store with it (those of accepted transactions).</param>
public sealed record CandidateBlock(BuiltBlock Built, IReadOnlyDictionary<Hash256, byte[]> Blobs)
{
    /// <summary>Ciphertexts sent with the block to other validators (those of every transaction in it).</summary>
    public IReadOnlyDictionary<Hash256, byte[]> CarriedBlobs { get; init; } = Blobs;
}
