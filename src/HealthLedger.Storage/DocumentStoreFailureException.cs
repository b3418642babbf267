namespace HealthLedger.Storage;

/// <summary>
/// The node could not store a document on its own disk (full, read-only, failing, or a folder of the store that is not a
/// folder): not the client's fault, unlike an upload that breaks off (an <see cref="IOException"/> of the request's stream). The
/// message names the store's path and the system's error, never the document's content; nothing of the document is left filed.
/// A request that meets one is answered 503 "Document store unavailable" (the node's ErrorPages), and the log names the cause.
/// </summary>
public sealed class DocumentStoreFailureException(string message, Exception inner) : Exception(message, inner);
