using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// The server's CapabilityStatement (FHIR R4 capabilitystatement.html), built from the registered resource types so it
/// states exactly the interactions, search parameters and includes served: read and search-type for every type,
/// create and update for the types with an <see cref="IFhirWriter"/>, and the system interactions registered in
/// <see cref="FhirSystemInteractions"/>.
/// </summary>
public sealed class FhirCapabilities(FhirResourceTypes types, FhirSystemInteractions system, NodeOptions options, LedgerNode node, OrganisationKeys organisation)
{
    /// <summary>The statement with <paramref name="baseUrl"/> as the implementation's address.</summary>
    public CapabilityStatement Statement(string baseUrl)
    {
        var name = options.Hospital.Name is { Length: > 0 } configured ? configured : OrganisationNames.Of(node, organisation.Id);
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = "HealthLedger node: every write is a signed ledger transaction; reads obey the patient's consent and are recorded in their access history.",
            Security = new CapabilityStatement.SecurityComponent
            {
                Cors = false,
                Description = "Bearer tokens from POST /api/v1/auth/token (the same login and session as the JSON API): 'Authorization: Bearer <accessToken>'.",
            },
        };
        foreach (var type in types.All)
        {
            var resource = new CapabilityStatement.ResourceComponent
            {
                Type = type.TypeName,
                Documentation = type.Documentation,
                Versioning = CapabilityStatement.ResourceVersionPolicy.Versioned,
                ReadHistory = false,
                UpdateCreate = false,
                ConditionalCreate = false,
                ConditionalUpdate = false,
                ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.NotSupported,
                SearchInclude = type.Includes.Select(i => i.Value).ToList(),
            };
            resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read });
            resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType });
            if (types.Writer(type.TypeName) is { } writer)
            {
                resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create });
                // Only interactions that can succeed: an append-only type's update is always 422.
                if (writer.Updates) resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Update });
            }
            // Instance operations on the type (Patient/{id}/$everything) are declared on the type too.
            foreach (var operation in system.Operations.Where(o => o.Definition.Contains($"/OperationDefinition/{type.TypeName}-", StringComparison.Ordinal)))
            {
                resource.Operation.Add(new CapabilityStatement.OperationComponent { Name = operation.Name, Definition = operation.Definition, Documentation = operation.Documentation });
            }
            resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = "_id", Type = SearchParamType.Token, Documentation = "The resource id." });
            foreach (var p in type.SearchParameters)
            {
                resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent { Name = p.Name, Type = p.Type, Documentation = p.Documentation });
            }
            rest.Resource.Add(resource);
        }
        foreach (var interaction in system.Interactions) rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = interaction.Code, Documentation = interaction.Documentation });
        foreach (var operation in system.Operations) rest.Operation.Add(new CapabilityStatement.OperationComponent { Name = operation.Name, Definition = operation.Definition, Documentation = operation.Documentation });
        return new CapabilityStatement
        {
            Id = "healthledger",
            Url = baseUrl + "/metadata",
            Name = "HealthLedger",
            Title = $"HealthLedger FHIR R4 interface of {name}",
            Status = PublicationStatus.Active,
            Date = "2026-12-01",
            Publisher = "HealthLedger",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "HealthLedger", Version = typeof(FhirCapabilities).Assembly.GetName().Version?.ToString() },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = $"HealthLedger node of {name}", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json", "xml", FhirFormats.JsonContentType.Split(';')[0], FhirFormats.XmlContentType.Split(';')[0]],
            Rest = [rest],
        };
    }
}

/// <summary>
/// Whole-system interactions (e.g. <c>transaction</c>) and operations (e.g. <c>$export</c>, <c>$everything</c>) that modules
/// register as they map them, so <c>metadata</c> lists them: <c>services.AddSingleton(new FhirSystemEntry(...))</c>.
/// </summary>
public sealed class FhirSystemInteractions(IEnumerable<FhirSystemEntry> entries)
{
    /// <summary>The system interactions.</summary>
    public IReadOnlyList<(CapabilityStatement.SystemRestfulInteraction Code, string Documentation)> Interactions { get; } =
        [.. entries.Where(e => e.Interaction is not null).Select(e => (e.Interaction!.Value, e.Documentation))];

    /// <summary>The operations.</summary>
    public IReadOnlyList<(string Name, string Definition, string Documentation)> Operations { get; } =
        [.. entries.Where(e => e.OperationName is not null).Select(e => (e.OperationName!, e.OperationDefinition ?? "", e.Documentation))];
}

/// <summary>One system interaction or operation for the CapabilityStatement.</summary>
/// <param name="Interaction">A system interaction (transaction, batch…), or null for an operation.</param>
/// <param name="OperationName">An operation's name without '$' (export, everything), or null.</param>
/// <param name="OperationDefinition">The operation's canonical definition URL.</param>
/// <param name="Documentation">What it does here.</param>
public sealed record FhirSystemEntry(CapabilityStatement.SystemRestfulInteraction? Interaction, string? OperationName, string? OperationDefinition, string Documentation);
