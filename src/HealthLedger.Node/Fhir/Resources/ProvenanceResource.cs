using System.Globalization;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Fhir.Export;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Provenance</c> (FHIR R4 provenance.html): the ledger proof of record versions. One Provenance per transaction, id
/// <c>tx-</c> + the transaction id in 43 characters (its 32 bytes in base64 with <c>-</c> and <c>.</c> for <c>+</c> and
/// <c>/</c>: the 64-hex form does not fit FHIR's 64-character id). <c>target</c> = the versioned resources the transaction
/// wrote (<c>Patient/pt-1/_history/2</c>) among those the reader may read, <c>recorded</c> and <c>occurredDateTime</c> = the
/// block time, <c>agent.who</c> = the signer (Practitioner for doctors, Patient, Organization for organisation and node
/// keys, a user identifier for other staff), <c>signature</c> = the signer's Ed25519 signature of the transaction,
/// <c>entity</c> = the transaction id (identifier system <see cref="FhirMeta.TransactionSystem"/>) and the block height
/// (<see cref="BlockSystem"/>). A resource's transaction is the <c>meta.tag</c> of system TransactionSystem every mapped
/// type sets (<see cref="FhirMeta.From"/>). Access: the target is read through its own type first, so the same rules apply.
/// </summary>
public sealed class ProvenanceResource(IServiceProvider services, LedgerNode node) : IFhirDerivedResourceType
{
    /// <summary>The identifier system of block heights.</summary>
    public const string BlockSystem = "https://healthledger.example/fhir/NamingSystem/block";

    private FhirResourceTypes Types => services.GetRequiredService<FhirResourceTypes>();

    private FhirEverything Everything => services.GetRequiredService<FhirEverything>();

    /// <inheritdoc />
    public string TypeName => "Provenance";

    /// <inheritdoc />
    public string Documentation => "The ledger proof of record versions: transaction, block height and time, signer and signature. Search by target (Type/id) or patient; the target's own access rules apply.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("target", SearchParamType.Reference, "The resource proven (Type/<id>), e.g. Patient/pt-1."),
        new("patient", SearchParamType.Reference, "Every proof of a patient's record (Patient/<id>)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } = [];

    /// <summary>The Provenance id of a transaction.</summary>
    public static string IdOf(Hash256 txId) => "tx-" + Convert.ToBase64String(txId.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '.');

    /// <summary>The transaction of a Provenance id, or null when it is not one.</summary>
    public static Hash256? TxOf(string id)
    {
        if (!id.StartsWith("tx-", StringComparison.Ordinal) || id.Length != 46) return null;
        try
        {
            var bytes = Convert.FromBase64String(id[3..].Replace('-', '+').Replace('.', '/') + "=");
            return bytes.Length == 32 ? new Hash256(bytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        var missing = Outcome<Resource>.NotFound($"Provenance {Missing.Shown(id)} does not exist.");
        if (TxOf(id) is not { } txId || Transaction(txId) is not { } found) return missing;
        // The transaction names its patient (most kinds do); its records are found in their compartment as this reader sees it.
        var patientId = PatientOf(found.Tx.Payload) ?? (actor.Role == Role.Patient ? actor.UserId : null);
        if (patientId is null) return missing;
        var gathered = Everything.Gather(actor, patientId, NotDerived());
        if (!gathered.IsOk) return gathered.As<Resource>();
        var targets = gathered.Value!.Where(r => TxTag(r) == txId).ToList();
        return targets.Count == 0 ? missing : Outcome<Resource>.Ok(Build(txId, found, targets));
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var (patientIds, patientError) = search.ReferenceIds("patient", "Patient");
        if (patientError is not null) return Outcome<FhirMatches>.Invalid(FieldErrors.One("patient", patientError));
        var targets = new List<Resource>();
        foreach (var value in search.AnyOf("target"))
        {
            var parts = value.TrimEnd('/').Split('/');
            if (parts.Length < 2 || Types.Find(parts[^2]) is not { } type)
            {
                return Outcome<FhirMatches>.Invalid(FieldErrors.One("target", "Search parameter 'target' takes Type/<id> of a served type, e.g. Patient/pt-1."));
            }
            var read = type.Read(actor, parts[^1]);
            if (!read.IsOk) return read.As<FhirMatches>();
            targets.Add(read.Value!);
        }
        if (patientIds.Count == 0 && targets.Count == 0)
        {
            if (actor.Role != Role.Patient) return Outcome<FhirMatches>.Invalid(FieldErrors.One("target", "Provenance search needs 'target' (Type/<id>) or 'patient'."));
            patientIds = [actor.UserId];
        }
        foreach (var patientId in patientIds.Distinct(StringComparer.Ordinal))
        {
            var gathered = Everything.Gather(actor, patientId, NotDerived());
            if (!gathered.IsOk) return gathered.As<FhirMatches>();
            targets.AddRange(gathered.Value!);
        }
        var ids = search.AnyOf("_id");
        var all = Derive(actor, targets).Where(p => ids.Count == 0 || ids.Contains(p.Id, StringComparer.Ordinal)).ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(all, search, page => page));
    }

    /// <inheritdoc />
    public IEnumerable<Resource> Derive(UserSession actor, IReadOnlyList<Resource> gathered)
    {
        var byTx = gathered.Where(r => r is not Provenance).DistinctBy(r => r.TypeName + "/" + r.Id)
            .Select(r => (Resource: r, Tx: TxTag(r))).Where(p => p.Tx is not null).GroupBy(p => p.Tx!.Value);
        var result = new List<Provenance>();
        foreach (var group in byTx)
        {
            if (Transaction(group.Key) is { } found) result.Add(Build(group.Key, found, group.Select(p => p.Resource).ToList()));
        }
        return result.OrderBy(p => p.Recorded).ThenBy(p => p.Id, StringComparer.Ordinal);
    }

    private HashSet<string> NotDerived() =>
        [.. Types.All.Where(t => t is not IFhirDerivedResourceType).Select(t => t.TypeName)];

    private static Hash256? TxTag(Resource r) =>
        r.Meta?.Tag.FirstOrDefault(t => t.System == FhirMeta.TransactionSystem)?.Code is { } hex && Hash256.TryParse(hex, out var tx) ? tx : null;

    private static string? PatientOf(TxPayload payload) => payload switch
    {
        UpdateRecordPayload { Subject: RecordSubject.Patient } update => update.Id,
        UpdateRecordPayload => null,
        _ => payload.GetType().GetProperty("PatientId")?.GetValue(payload) as string,
    };

    private sealed record Found(Transaction Tx, ulong Height, DateTimeOffset BlockTime);

    private Found? Transaction(Hash256 txId)
    {
        if (node.Store.FindTransaction(txId) is not { } committed) return null;
        if (node.Store.ReadBlock(committed.Height) is not { } block || !BlockHeader.TryDecode(block.Header, out var header, out _)) return null;
        var stored = block.Transactions.FirstOrDefault(t => t.Index == committed.Index);
        if (stored is null || !Core.Transactions.Transaction.TryDecode(stored.Body, int.MaxValue, out var tx).IsOk || tx is null) return null;
        return new Found(tx, committed.Height, DateTimeOffset.FromUnixTimeMilliseconds((long)header!.Timestamp));
    }

    private Provenance Build(Hash256 txId, Found found, IReadOnlyList<Resource> targets)
    {
        var who = Signer(found.Tx.Signer);
        var height = found.Height.ToString(CultureInfo.InvariantCulture);
        var firstVersion = targets.All(t => t.Meta?.VersionId is null or "1");
        return new Provenance
        {
            Id = IdOf(txId),
            Meta = new Meta { VersionId = "1", LastUpdated = found.BlockTime },
            Target = [.. targets.Select(t => new ResourceReference(t.Meta?.VersionId is { } v ? $"{t.TypeName}/{t.Id}/_history/{v}" : $"{t.TypeName}/{t.Id}"))],
            Occurred = new FhirDateTime(found.BlockTime),
            Recorded = found.BlockTime,
            Activity = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-DataOperation", firstVersion ? "CREATE" : "UPDATE", firstVersion ? "create" : "revise"),
            Agent =
            [
                new Provenance.AgentComponent
                {
                    Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author"),
                    Who = who,
                },
            ],
            Entity =
            [
                new Provenance.EntityComponent
                {
                    Role = Provenance.ProvenanceEntityRole.Source,
                    What = new ResourceReference { Identifier = new Identifier(FhirMeta.TransactionSystem, txId.ToString()), Display = $"ledger transaction {txId}" },
                },
                new Provenance.EntityComponent
                {
                    Role = Provenance.ProvenanceEntityRole.Source,
                    What = new ResourceReference { Identifier = new Identifier(BlockSystem, height), Display = $"block {height}" },
                },
            ],
            Signature =
            [
                new Signature
                {
                    Type = [new Coding("urn:iso-astm:E1762-95:2013", "1.2.840.10065.1.12.1.1", "Author's Signature")],
                    When = found.BlockTime,
                    Who = who,
                    Data = found.Tx.Signature.ToArray(),
                },
            ],
        };
    }

    private ResourceReference Signer(SigningPublicKey key)
    {
        var signer = node.GetState(StateKeys.Signer(key)) is { } bytes ? SignerRecord.TryDecode(bytes) : null;
        if (signer is null) return new ResourceReference { Display = $"signing key {key}" };
        switch (signer.Kind)
        {
            case SignerKind.Organisation:
                return FhirMeta.Reference("Organization", signer.Id);
            case SignerKind.Node:
                var organisation = node.GetState(StateKeys.Node(signer.Id)) is { } n ? NodeRecord.TryDecode(n)?.OrganisationId : null;
                return organisation is null ? new ResourceReference { Display = $"node {signer.Id}" } : FhirMeta.Reference("Organization", organisation, $"node {signer.Id}");
            default:
                return FhirPeople.Of(signer.Id, node.GetState(StateKeys.User(signer.Id)) is { } u ? UserRecord.TryDecode(u)?.Role : null);
        }
    }
}
