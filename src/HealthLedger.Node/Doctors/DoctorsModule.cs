using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Doctors;

/// <summary>The doctors module: registration, the directory and the public emergency directory (with its rate limit).</summary>
public static class DoctorsModule
{
    /// <summary>Registers the module's services and its record kind.</summary>
    public static IServiceCollection AddDoctors(this IServiceCollection services) => services
        .AddRecordKind<DoctorDirectory>()
        .AddSingleton<DoctorService>()
        .AddPublicDirectoryLimits();
}
