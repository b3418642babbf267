using HealthLedger.Node.Records;

namespace HealthLedger.Node.Web;

/// <summary>
/// One version of a patient's demographics or a doctor's directory entry in <c>GET …/versions</c>: its number, its ledger
/// proof (transaction id, block height, block time), who signed it, whether it is the current one, and its decrypted
/// <c>content</c> (the fields of <c>GET</c> of that record) when the reader may read it, else null.
/// </summary>
public sealed record RecordVersionResponse<T>(int Version, ProofResponse Proof, string SignedBy, bool Current, T? Content) where T : class
{
    /// <summary>The response for <paramref name="v"/>, <paramref name="current"/> being the record's current version.</summary>
    public static RecordVersionResponse<T> From(OpenedVersion<T> v, int current) =>
        new(v.Version.Version, ProofResponse.From(v.Version.Proof), v.Version.SignedBy, v.Version.Version == current, v.Content);
}
