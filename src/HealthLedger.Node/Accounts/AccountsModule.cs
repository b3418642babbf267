using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Accounts;

/// <summary>The hospital accounts module: charges, payments, balances.</summary>
public static class AccountsModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services) => services
        .AddSingleton<HospitalAccountService>();
}
