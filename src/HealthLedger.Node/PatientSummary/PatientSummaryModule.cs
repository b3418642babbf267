using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.PatientSummary;

/// <summary>The patient's complete record (page, printout, API).</summary>
public static class PatientSummaryModule
{
    /// <summary>Registers the module's services and its whole-record printouts as an <see cref="Printouts.IPrintoutSubject"/>.</summary>
    public static IServiceCollection AddPatientSummary(this IServiceCollection services) => services
        .AddSingleton<PatientRecordService>()
        .AddSingleton<PatientRecordPrintouts>()
        .AddSingleton<Printouts.IPrintoutSubject>(sp => sp.GetRequiredService<PatientRecordPrintouts>());
}
