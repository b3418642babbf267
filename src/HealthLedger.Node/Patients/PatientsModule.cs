using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Patients;

/// <summary>The patients module: registration, the list, demographics.</summary>
public static class PatientsModule
{
    /// <summary>Registers the module's services and its record kind.</summary>
    public static IServiceCollection AddPatients(this IServiceCollection services) => services
        .AddRecordKind<PatientDirectory>()
        .AddSingleton<PatientService>()
        .AddSingleton<PatientIndexer>()
        .AddHostedService(sp => sp.GetRequiredService<PatientIndexer>());
}
