using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// An encrypted file in the node's document store, as the chain knows it: the SHA-256 of the file as uploaded (so anyone
/// holding a copy can find it on the chain) and of its ciphertext (the store's address), and the ciphertext length.
/// Its data key is the report's (same envelopes).
/// </summary>
public sealed record DocumentRef(Hash256 PlaintextHash, Hash256 CiphertextHash, long CiphertextLength)
{
    /// <summary>Writes the reference.</summary>
    public void Write(CanonicalWriter w) => w.Hash(PlaintextHash).Hash(CiphertextHash).VarUInt((ulong)CiphertextLength);

    /// <summary>Reads a reference.</summary>
    public static bool TryRead(ref CanonicalReader r, out DocumentRef value)
    {
        r.Hash(out var plain, "document hash");
        r.Hash(out var cipher, "document ciphertext hash");
        r.VarUInt(out var length, long.MaxValue, "document length");
        value = new DocumentRef(plain, cipher, (long)length);
        return r.Error is null;
    }
}
