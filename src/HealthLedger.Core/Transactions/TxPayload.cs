using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Transactions;

/// <summary>The kind-specific body of a transaction.</summary>
public abstract record TxPayload
{
    /// <summary>The kind this payload belongs to.</summary>
    public abstract TxKind Kind { get; }

    /// <summary>The encrypted records this transaction writes; their ciphertexts travel beside it and are stored with its block.</summary>
    public virtual IEnumerable<Records.SealedRecordRef> Records => [];

    /// <summary>The encrypted files (document store) this transaction references.</summary>
    public virtual IEnumerable<Records.DocumentRef> Documents => [];

    /// <summary>Writes the canonical encoding of the payload.</summary>
    public abstract void Write(CanonicalWriter writer);
}
