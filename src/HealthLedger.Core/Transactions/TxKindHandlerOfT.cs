using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;

namespace HealthLedger.Core.Transactions;

/// <summary>Typed base for kind handlers: reading, field validation and execution for <typeparamref name="TPayload"/>.</summary>
public abstract class TxKindHandler<TPayload> : TxKindHandler where TPayload : TxPayload
{
    /// <inheritdoc/>
    public sealed override (TxResult Result, TxPayload? Payload) Decode(ReadOnlySpan<byte> payload)
    {
        var r = new CanonicalReader(payload);
        if (!TryRead(ref r, out var value) | !r.End())
        {
            return (TxResult.Reject(TxVerdict.Malformed, $"{Kind} payload: {r.Error}"), null);
        }
        var check = Validate(value);
        return check.IsOk ? (check, value) : (check, null);
    }

    /// <inheritdoc/>
    public sealed override TxResult Execute(TxContext context, Transaction transaction) =>
        Execute(context, transaction, (TPayload)transaction.Payload);

    /// <summary>Reads the payload fields.</summary>
    protected abstract bool TryRead(ref CanonicalReader reader, out TPayload payload);

    /// <summary>Checks field formats and ranges; returns <see cref="TxVerdict.InvalidField"/> with the field's name.</summary>
    protected abstract TxResult Validate(TPayload payload);

    /// <summary>Applies the transaction.</summary>
    protected abstract TxResult Execute(TxContext context, Transaction transaction, TPayload payload);

    /// <summary>An <see cref="TxVerdict.InvalidField"/> rejection naming the field.</summary>
    protected static TxResult Invalid(string field, string problem) => TxResult.Reject(TxVerdict.InvalidField, $"{field}: {problem}");
}
