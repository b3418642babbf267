using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Encounters;

/// <summary>The encounters module: admissions, visits, transfers, discharges (and the entries of the account).</summary>
public static class EncountersModule
{
    /// <summary>Registers the module's services and its record kind.</summary>
    public static IServiceCollection AddEncounters(this IServiceCollection services) => services
        .AddRecordKind<EntryStore>()
        .AddSingleton<EncounterService>();
}
