using HealthLedger.Node.Accounts;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Fhir;
using HealthLedger.Node.Home;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Policy;
using HealthLedger.Node.Records;
using HealthLedger.Node.Staff;
using HealthLedger.Node.Statistics;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Node.Wards;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// The node's hospital modules in one place: each feature folder registers its services (and its record kind, which feeds
/// the read model and consent) and maps its endpoints. A new module is one line in each method.
/// </summary>
public static class HospitalModules
{
    /// <summary>Registers the shared records core and every module.</summary>
    public static IServiceCollection AddHospitalModules(this IServiceCollection services) => services
        .AddRecords()
        .AddSingleton<LedgerBrowser>()
        .AddPatients()
        .AddDoctors()
        .AddWards()
        .AddEncounters()
        .AddVitalSigns()
        .AddLaboratory()
        .AddAccounts()
        .AddPatientSummary()
        .AddMedicalReports()
        .AddPharmacy()
        .AddStaff()
        .AddExpenses()
        .AddConsent()
        .AddPolicy()
        .AddConsortium()
        .AddEmergencies()
        .AddAudit()
        .AddStatistics()
        .AddHome()
        .AddFhir();

    /// <summary>Maps every module's endpoints.</summary>
    public static IEndpointRouteBuilder MapHospitalModules(this IEndpointRouteBuilder app) => app
        .MapPatientsApi()
        .MapDoctorsApi()
        .MapWardsApi()
        .MapEncountersApi()
        .MapVitalSignsApi()
        .MapLabApi()
        .MapAccountsApi()
        .MapPatientRecordApi()
        .MapMedicalReportsApi()
        .MapReportDownloads()
        .MapPharmacyApi()
        .MapStaffApi()
        .MapExpensesApi()
        .MapConsentApi()
        .MapPolicyApi()
        .MapConsortiumApi()
        .MapEmergenciesApi()
        .MapAuditApi()
        .MapStatisticsApi()
        .MapFhirApi();
}
