using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Staff;

/// <summary>The staff module: laboratory technicians, pathologists, pharmacists and accountants registered by admins.</summary>
public static class StaffModule
{
    /// <summary>Registers the module's service.</summary>
    public static IServiceCollection AddStaff(this IServiceCollection services) => services.AddSingleton<StaffService>();
}
