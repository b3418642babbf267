using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Account</c> (FHIR R4 account.html): a patient's hospital account, id <c>account-{patientId}</c>, status active, the
/// patient as <c>subject</c>, their organisation as <c>owner</c>, the period of its lines as <c>servicePeriod</c>. R4's Account
/// has no balance element: the balance due is the extension <see cref="BalanceExtension"/> (Money, the hospital's currency)
/// and is repeated with the totals in <c>description</c>. Each charge is a <c>ChargeItem</c>. Reads need the patient's
/// account category and are recorded in their access history.
/// </summary>
public sealed class AccountResource(FhirPatientEntries records, HospitalFormat format) : IFhirResourceType
{
    /// <summary>The prefix of an account's id before the patient id.</summary>
    public const string IdPrefix = "account-";

    /// <summary>The extension that carries the balance due (charges less payments).</summary>
    public const string BalanceExtension = "https://healthledger.example/fhir/StructureDefinition/account-balance";

    /// <inheritdoc />
    public string TypeName => "Account";

    /// <inheritdoc />
    public string Documentation => "Each patient's hospital account with its balance due (extension " + BalanceExtension + "). Reads need the patient's account category and are recorded in their access history.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id)."),
        new("subject", SearchParamType.Reference, "The patient, as patient."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("Account:patient", r => ((Account)r).Subject),
        new("Account:subject", r => ((Account)r).Subject),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return Outcome<Resource>.NotFound($"Account {Missing.Shown(id)} does not exist.");
        id = ledgerId;
        if (!id.StartsWith(IdPrefix, StringComparison.Ordinal) || id.Length == IdPrefix.Length) return Outcome<Resource>.NotFound($"Account {Missing.Shown(id)} does not exist.");
        var opened = records.Of(actor, id[IdPrefix.Length..], ConsentCategories.Account, "account (FHIR Account)");
        return opened.IsOk ? Outcome<Resource>.Ok(ToFhir(opened.Value!)) : opened.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var found = records.ForSearch(actor, search, ConsentCategories.Account, "account (FHIR Account search)");
        if (!found.IsOk) return found.As<FhirMatches>();
        var ids = search.AnyOf("_id");
        var matches = found.Value!.Where(p => ids.Count == 0 || ids.Contains(IdPrefix + p.Patient.Id, StringComparer.Ordinal)).OrderBy(p => p.Patient.Id, StringComparer.Ordinal).ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page =>
        {
            records.RecordShown(actor, search, page.Select(p => p.Patient), "account (FHIR Account search)");
            return page.Select(p => (Resource)ToFhir(p));
        }));
    }

    private Account ToFhir(PatientEntries p)
    {
        var account = HospitalAccountService.Build(p.Patient.Id, p.Entries);
        var lines = p.Entries.Where(e => e.Type.IsAccountLine()).ToList();
        var inv = CultureInfo.InvariantCulture;
        var fhir = new Account
        {
            Id = FhirIds.Of(IdPrefix + p.Patient.Id),
            Status = Account.AccountStatus.Active,
            Name = "Hospital account",
            Subject = [FhirMeta.Reference("Patient", p.Patient.Id, p.Patient.DemographicsShared ? p.Patient.Details.FullName : null)],
            Owner = FhirMeta.Reference("Organization", p.Patient.OrganisationId),
            Description = $"Balance due {account.Balance.ToString("0.00", inv)} {format.Currency} (charges {account.Charges.ToString("0.00", inv)}, payments {account.Payments.ToString("0.00", inv)}).",
        };
        fhir.Extension.Add(new Extension(BalanceExtension, Money(account.Balance)));
        if (lines.Count > 0)
        {
            var latest = lines.MaxBy(e => e.Proof.Height)!;
            fhir.Meta = FhirMeta.From(latest.Proof, lines.Count);
            fhir.ServicePeriod = new Period
            {
                Start = new FhirDateTime(lines.Min(e => e.Details.OccurredAt)).Value,
                End = new FhirDateTime(lines.Max(e => e.Details.OccurredAt)).Value,
            };
        }
        return fhir;
    }

    private Money Money(decimal amount) => new() { Value = amount, Currency = Enum.TryParse<Money.Currencies>(format.Currency, out var c) ? c : null };
}
