using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Records;

/// <summary>Registers a feature's record kind with the read model.</summary>
public static class RecordKindRegistration
{
    /// <summary>Adds <typeparamref name="T"/> as a singleton that is also one of the read model's <see cref="IRecordKind"/>s.</summary>
    public static IServiceCollection AddRecordKind<T>(this IServiceCollection services) where T : class, IRecordKind
    {
        services.AddSingleton<T>();
        services.AddSingleton<IRecordKind>(sp => sp.GetRequiredService<T>());
        return services;
    }
}
