using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The pharmacy module: formulary and stock, prescriptions, dispensing with the account charge, alerts, movements.</summary>
public static class PharmacyModule
{
    /// <summary>Registers the module's services and its four record kinds.</summary>
    public static IServiceCollection AddPharmacy(this IServiceCollection services) => services
        .AddRecordKind<FormularyStore>()
        .AddRecordKind<StockBatchStore>()
        .AddRecordKind<PrescriptionStore>()
        .AddRecordKind<DispenseStore>()
        .AddSingleton<PharmacyService>();
}
