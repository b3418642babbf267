namespace HealthLedger.Node.Records;

/// <summary>
/// A read refused because its disclosure could not be stored in the node's disclosure store (for the embedded ledger
/// <c>ledger.disclosures.db</c>: unwritable, full, damaged): nothing of the read's data may be served. The store's own
/// exception is the inner exception; the message names no patient, record or user.
/// </summary>
public sealed class DisclosureNotRecordedException : Exception
{
    /// <summary>The words every refused read answers with (no PHI).</summary>
    public const string Explanation = "This read could not be recorded in the patient's access history (the node's disclosure store failed), so nothing of it was shown. Try again later; if it persists, tell the administrator.";

    /// <summary>A refusal caused by <paramref name="storeFailure"/>.</summary>
    public DisclosureNotRecordedException(Exception storeFailure)
        : base("A disclosure could not be stored: the read is refused and nothing of its data is served.", storeFailure)
    {
    }

    /// <summary>A refusal without a known cause.</summary>
    public DisclosureNotRecordedException()
        : base("A disclosure could not be stored: the read is refused and nothing of its data is served.")
    {
    }

    /// <summary>A refusal with its own words (no PHI).</summary>
    public DisclosureNotRecordedException(string message)
        : base(message)
    {
    }

    /// <summary>A refusal with its own words (no PHI) and cause.</summary>
    public DisclosureNotRecordedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
