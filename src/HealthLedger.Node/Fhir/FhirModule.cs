using HealthLedger.Node.Fhir.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthLedger.Node.Fhir;

/// <summary>The FHIR R4 module: the registry of resource types, the CapabilityStatement, and each resource type's mapping.</summary>
public static class FhirModule
{
    /// <summary>Registers the FHIR interface's services and resource types.</summary>
    public static IServiceCollection AddFhir(this IServiceCollection services)
    {
        services.TryAddSingleton<FhirResourceTypes>();
        services.TryAddSingleton<FhirSystemInteractions>();
        services.TryAddSingleton<FhirCapabilities>();
        services.TryAddSingleton<FhirPatientAccess>();
        services.TryAddSingleton<FhirPeople>();
        services.TryAddSingleton<Resources.FhirDirectory>();
        services.TryAddSingleton<Resources.FhirPatientEntries>();
        services.TryAddSingleton<Clinical.ClinicalScope>();
        services.TryAddSingleton<Clinical.LabMapping>();
        services.TryAddSingleton<Clinical.ReportMapping>();
        services.TryAddSingleton<Clinical.MedicationMapping>();
        services.AddFhirExport();
        services.TryAddSingleton<Writes.FhirTransactions>();
        services.AddSingleton(new FhirSystemEntry(Hl7.Fhir.Model.CapabilityStatement.SystemRestfulInteraction.Transaction, null, null, Writes.FhirTransactions.Documentation));
        services.AddSingleton(new FhirSystemEntry(Hl7.Fhir.Model.CapabilityStatement.SystemRestfulInteraction.Batch, null, null, Writes.FhirTransactions.Documentation));
        services.TryAddSingleton<Import.FhirImporter>();
        services.TryAddSingleton<Import.FhirImportJobs>();
        return services
            .AddFhirResourceType<Resources.PatientResource>()
            .AddFhirResourceType<Resources.PractitionerResource>()
            .AddFhirResourceType<Resources.PractitionerRoleResource>()
            .AddFhirResourceType<Resources.OrganizationResource>()
            .AddFhirResourceType<Resources.EncounterResource>()
            .AddFhirResourceType<Resources.AccountResource>()
            .AddFhirResourceType<Resources.ChargeItemResource>()
            .AddFhirResourceType<Clinical.ObservationResource>()
            .AddFhirResourceType<Clinical.DiagnosticReportResource>()
            .AddFhirResourceType<Clinical.ServiceRequestResource>()
            .AddFhirResourceType<Clinical.MedicationRequestResource>()
            .AddFhirResourceType<Clinical.MedicationDispenseResource>()
            .AddFhirResourceType<Clinical.AllergyIntoleranceResource>()
            .AddFhirResourceType<Clinical.ConditionResource>()
            .AddFhirResourceType<Clinical.DocumentReferenceResource>()
            .AddFhirResourceType<Resources.ConsentResource>()
            .AddFhirResourceType<Resources.AuditEventResource>()
            .AddFhirResourceType<Resources.ProvenanceResource>()
            .AddFhirWriter<Writes.PatientWriter>()
            .AddFhirWriter<Writes.EncounterWriter>()
            .AddFhirWriter<Writes.ObservationWriter>()
            .AddFhirWriter<Writes.ConditionWriter>()
            .AddFhirWriter<Writes.AllergyIntoleranceWriter>()
            .AddFhirWriter<Writes.MedicationRequestWriter>();
    }

    /// <summary>Registers the create/update of one resource type (a singleton, also resolvable as itself).</summary>
    public static IServiceCollection AddFhirWriter<T>(this IServiceCollection services) where T : class, IFhirWriter =>
        services.AddSingleton<T>().AddSingleton<IFhirWriter>(sp => sp.GetRequiredService<T>());

    /// <summary>Registers one resource type (a singleton, also resolvable as itself).</summary>
    public static IServiceCollection AddFhirResourceType<T>(this IServiceCollection services) where T : class, IFhirResourceType =>
        services.AddSingleton<T>().AddSingleton<IFhirResourceType>(sp => sp.GetRequiredService<T>());
}
