namespace HealthLedger.Node.Records;

/// <summary>One version of an updatable record as a reader sees it: where the chain holds it, and its content when the reader may read it (else null).</summary>
/// <typeparam name="T">The decrypted content's type (<c>PatientDetails</c>, <c>DoctorDetails</c>).</typeparam>
/// <param name="Version">The version and its ledger proof and signer.</param>
/// <param name="Content">The decrypted content, or null when the reader may not read it or this node cannot open it.</param>
public sealed record OpenedVersion<T>(RecordVersion Version, T? Content) where T : class;
