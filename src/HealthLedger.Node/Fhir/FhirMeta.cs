using System.Globalization;
using HealthLedger.Core.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>Shared pieces of the mapping: <c>meta</c> from a record's ledger proof, references, codings of this server.</summary>
public static class FhirMeta
{
    /// <summary>The code system of HealthLedger's own codes (entry types, report types…) where no standard code applies.</summary>
    public const string CodeSystem = "https://healthledger.example/fhir/CodeSystem";

    /// <summary>The identifier system of medical record numbers, per organisation: <c>…/mrn/{organisationId}</c>.</summary>
    public static string MrnSystem(string organisationId) => $"https://healthledger.example/fhir/NamingSystem/mrn/{organisationId}";

    /// <summary>The identifier system of ledger transaction ids.</summary>
    public const string TransactionSystem = "https://healthledger.example/fhir/NamingSystem/transaction";

    /// <summary>
    /// <c>meta.versionId</c> = the record version, <c>meta.lastUpdated</c> = the block time of the transaction that wrote it
    /// (Unix ms in <see cref="RecordProof.Timestamp"/>); the transaction id is a <c>meta.tag</c> so a client can ask
    /// <c>Provenance?target=…</c> for the proof.
    /// </summary>
    public static Meta From(RecordProof proof, int version) => new()
    {
        VersionId = version.ToString(CultureInfo.InvariantCulture),
        LastUpdated = DateTimeOffset.FromUnixTimeMilliseconds((long)proof.Timestamp),
        Tag = [new Coding(TransactionSystem, proof.TxId.ToString())],
    };

    /// <summary>A reference <c>Type/id</c> to the resource of HealthLedger id <paramref name="id"/> (as <see cref="FhirIds.Of"/> writes it), with an optional display.</summary>
    public static ResourceReference Reference(string type, string id, string? display = null) =>
        new($"{type}/{FhirIds.Of(id)}") { Display = string.IsNullOrEmpty(display) ? null : display };

    /// <summary>A FHIR dateTime for an instant, with its offset.</summary>
    public static FhirDateTime DateTime(DateTimeOffset at) => new(at);

    /// <summary>The block time of a proof as an instant.</summary>
    public static DateTimeOffset BlockTime(RecordProof proof) => DateTimeOffset.FromUnixTimeMilliseconds((long)proof.Timestamp);
}
