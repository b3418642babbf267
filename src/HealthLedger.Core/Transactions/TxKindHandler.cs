using HealthLedger.Core.Ledger;

namespace HealthLedger.Core.Transactions;

/// <summary>Decodes and executes one transaction kind. One subclass per kind, in <c>Transactions/Kinds/</c>.</summary>
public abstract class TxKindHandler
{
    /// <summary>The kind handled.</summary>
    public abstract TxKind Kind { get; }

    /// <summary>Decodes a payload and checks its fields (no state).</summary>
    public abstract (TxResult Result, TxPayload? Payload) Decode(ReadOnlySpan<byte> payload);

    /// <summary>
    /// Applies the transaction to <see cref="TxContext.State"/> after the signer and nonce checks passed.
    /// Returns a rejection without writing anything when a rule is broken.
    /// </summary>
    public abstract TxResult Execute(TxContext context, Transaction transaction);

    /// <summary>
    /// For kinds that write a patient's sealed records: the patient whose record <paramref name="recordId"/>, version
    /// <paramref name="version"/>, is in <paramref name="context"/>'s state; null when this kind holds no such record. A
    /// grant's keys are checked against every kind's answer, so a new kind of patient record is shareable by overriding this.
    /// </summary>
    public virtual string? PatientOfRecord(TxContext context, string recordId, int version) => null;
}
