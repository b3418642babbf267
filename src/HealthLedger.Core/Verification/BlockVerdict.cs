using HealthLedger.Core.Execution;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Verification;

/// <summary>
/// What <see cref="BlockValidator.Validate"/> found: <see cref="Refusal"/> (<see cref="BlockRefusal.None"/> when the block
/// passed) and a human <see cref="Reason"/> ("" when it passed). When the block was re-executed (it passed every check
/// before re-execution) <see cref="Execution"/> and <see cref="Tree"/> are set, even when a root then did not match, so a
/// verifier can name the first receipt that differs.
/// </summary>
/// <param name="Refusal">The rule the block broke, or <see cref="BlockRefusal.None"/>.</param>
/// <param name="Reason">Why, in words that name the height, transaction or ciphertext; empty when it passed.</param>
public sealed record BlockVerdict(BlockRefusal Refusal, string Reason)
{
    /// <summary>True when the block passed every check.</summary>
    public bool IsOk => Refusal == BlockRefusal.None;

    /// <summary>The index of the transaction the refusal is about, when it is about one.</summary>
    public int? TxIndex { get; init; }

    /// <summary>The receipts and state writes of re-executing the block; null when it was not re-executed.</summary>
    public BlockExecution? Execution { get; init; }

    /// <summary>The state tree after the block; null when it was not re-executed.</summary>
    public SparseMerkleTree? Tree { get; init; }

    /// <summary>The ciphertexts of the accepted transactions that came with the block (what to store with it).</summary>
    public IReadOnlyDictionary<Hash256, byte[]> Ciphertexts { get; init; } = new Dictionary<Hash256, byte[]>();

    /// <summary>The verdict of a block that passed.</summary>
    internal static BlockVerdict Ok(BlockExecution? execution, SparseMerkleTree? tree, IReadOnlyDictionary<Hash256, byte[]> ciphertexts) =>
        new(BlockRefusal.None, "") { Execution = execution, Tree = tree, Ciphertexts = ciphertexts };

    /// <summary>"Refusal: reason", or "Ok".</summary>
    public override string ToString() => IsOk ? "Ok" : $"{Refusal}: {Reason}";
}
