using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Storage;

/// <summary>
/// Encrypted documents (report files) addressed by the SHA-256 of their ciphertext. The ledger holds only their
/// <see cref="DocumentRef"/>; the bytes live here and are replicated between nodes. Implementation: <see cref="DocumentStore"/>
/// (files beside the ledger). Every implementation passes the same contract tests (<c>DocumentStoreContract</c>).
/// </summary>
/// <remarks>
/// <para><b>Atomicity.</b> A document is stored whole or not at all: a write or replica that is refused, cancelled or
/// breaks off leaves nothing behind, and a document is visible (<see cref="Exists"/>) only once all of its bytes are stored
/// under their hash. The store is independent of the ledger store's transactions: the caller stores a document before it
/// submits the transaction that references it and <see cref="Discard"/>s it when that transaction does not commit; what a
/// crash leaves between the two is set aside by <see cref="MoveOrphans"/> at start, never deleted silently.</para>
/// <para><b>Errors.</b> Refusals and damage are answered with a message (a non-null string or a failed
/// <see cref="DocumentWriteResult"/>), never with an exception; exceptions are for failure of the backing storage
/// (<see cref="DocumentStoreFailureException"/> from a write, a replica or a restore: the node's disk, not the caller's input;
/// an <see cref="IOException"/> elsewhere), for a cancelled token (<see cref="OperationCanceledException"/>) and
/// for a plaintext or ciphertext stream that throws (passed on as it is).</para>
/// <para>Lengths are in bytes. Data keys are 32-byte AES-256 keys; <c>aad</c> binds a ciphertext to its record id and version.</para>
/// </remarks>
public interface IDocumentStore
{
    /// <summary>True when the document filed under <paramref name="ciphertextHash"/> is stored (whole).</summary>
    bool Exists(Hash256 ciphertextHash);

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> (read to its end) with <paramref name="dataKey"/> and stores it. Refused, leaving
    /// nothing behind, when it is empty or longer than <paramref name="maxBytes"/>, or when <paramref name="check"/> (which sees
    /// the first chunk of plaintext, e.g. to check the file's signature against its declared type) returns an error.
    /// On success the result's <see cref="DocumentWriteResult.Reference"/> holds the plaintext's SHA-256, the ciphertext's
    /// SHA-256 (its address) and the ciphertext length.
    /// </summary>
    Task<DocumentWriteResult> WriteAsync(Stream plaintext, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> aad, long maxBytes,
        Func<ReadOnlyMemory<byte>, string?>? check, CancellationToken ct);

    /// <summary>Removes a document whose transaction did not commit; nothing happens when it is not stored.</summary>
    void Discard(Hash256 ciphertextHash);

    /// <summary>
    /// Decrypts a stored document into <paramref name="output"/>. The ciphertext's SHA-256 is checked against
    /// <paramref name="reference"/> first, so nothing altered is ever served. Returns null on success, or why it failed
    /// (the document is missing, was changed, is not a document, is truncated, or does not decrypt with this key and aad);
    /// on failure <paramref name="output"/> may hold a prefix of the plaintext only when a later chunk fails to decrypt.
    /// </summary>
    Task<string?> DecryptToAsync(DocumentRef reference, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> aad, Stream output, CancellationToken ct);

    /// <summary>
    /// Stores a replica of a document's ciphertext copied from another node. Kept only when its SHA-256 is
    /// <paramref name="expected"/> and its length is <paramref name="length"/> bytes; otherwise nothing is kept. A document
    /// already stored is left as it is. Returns null when stored (or already there), or why it was refused.
    /// </summary>
    Task<string?> StoreReplicaAsync(Hash256 expected, long length, Stream ciphertext, CancellationToken ct);

    /// <summary>
    /// Opens the stored ciphertext filed under <paramref name="ciphertextHash"/> for reading (to serve it to a peer), or
    /// returns null when it is not stored. The caller disposes the stream.
    /// </summary>
    Stream? OpenCiphertext(Hash256 ciphertextHash);

    /// <summary>
    /// Sets aside every stored document whose ciphertext hash is not in <paramref name="referenced"/> (uploads whose
    /// transaction never committed); they stop being <see cref="Exists"/> but are kept for <see cref="TryRestoreOrphanAsync"/>.
    /// Returns how many were set aside.
    /// </summary>
    int MoveOrphans(IReadOnlySet<Hash256> referenced);

    /// <summary>
    /// Puts a document set aside by <see cref="MoveOrphans"/> back in place when its transaction did commit after all (its
    /// bytes must still hash to <paramref name="hash"/>). True when restored; false when there is no such orphan or it was changed.
    /// </summary>
    Task<bool> TryRestoreOrphanAsync(Hash256 hash, CancellationToken ct);
}
