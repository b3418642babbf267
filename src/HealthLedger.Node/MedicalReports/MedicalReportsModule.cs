using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.MedicalReports;

/// <summary>The medical reports module: reports, files, printouts, authenticity.</summary>
public static class MedicalReportsModule
{
    /// <summary>Registers the module's services and its record kind.</summary>
    public static IServiceCollection AddMedicalReports(this IServiceCollection services) => services
        .AddRecordKind<ReportStore>()
        .AddSingleton<ReportService>();
}
