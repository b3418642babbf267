using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthLedger.Node.MedicalReports;

/// <summary>The medical reports module: reports, files, printouts, authenticity.</summary>
public static class MedicalReportsModule
{
    /// <summary>Registers the module's services and its record kind (and the printout recorder it shares with the laboratory).</summary>
    public static IServiceCollection AddMedicalReports(this IServiceCollection services)
    {
        services.TryAddSingleton<PrintoutRecorder>();
        return services
            .AddRecordKind<ReportStore>()
            .AddSingleton<ReportService>();
    }
}
