using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthLedger.Node.Fhir.Export;

/// <summary>The export part of the FHIR module: the compartment gatherer, the bulk export jobs, and their entries in <c>metadata</c>.</summary>
public static class FhirExportModule
{
    /// <summary>Registers <see cref="FhirEverything"/>, <see cref="FhirBulkExports"/> and the operations <c>$everything</c> and <c>$export</c>.</summary>
    public static IServiceCollection AddFhirExport(this IServiceCollection services)
    {
        services.TryAddSingleton<FhirEverything>();
        services.TryAddSingleton<FhirBulkExports>();
        services.AddSingleton(new FhirSystemEntry(null, "everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            "GET Patient/{id}/$everything: the patient's record as a searchset Bundle (every type searchable by patient), recorded as a disclosure of the whole record."));
        services.AddSingleton(new FhirSystemEntry(null, "export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
            "GET $export and Patient/$export with 'Prefer: respond-async' (admins: their organisation's patients; _type, _since, _outputFormat=application/fhir+ndjson): FHIR Bulk Data Access 2.0, files kept in memory only, for an hour."));
        return services;
    }
}
