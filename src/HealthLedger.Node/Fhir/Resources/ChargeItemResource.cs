using HealthLedger.Core.Records;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>ChargeItem</c> (FHIR R4 chargeitem.html): each charge entry of a patient's account, id = the entry id: the service as
/// <c>code.text</c>, when (<c>occurrenceDateTime</c>), quantity, the line's total as <c>priceOverride</c> (unit price ×
/// quantity, the hospital's currency) with the unit price in <c>overrideReason</c>, the account, and <c>enteredDate</c> the
/// block time. A charge a later entry corrected is <c>entered-in-error</c>; the current one <c>billable</c>. Payments are in
/// the Account's balance only. Reads need the patient's account category and are recorded in their access history.
/// </summary>
public sealed class ChargeItemResource(FhirPatientEntries records, HospitalFormat format) : IFhirResourceType
{
    /// <inheritdoc />
    public string TypeName => "ChargeItem";

    /// <inheritdoc />
    public string Documentation => "The charges of patients' hospital accounts (a corrected charge is entered-in-error). Reads need the patient's account category and are recorded in their access history.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id)."),
        new("subject", SearchParamType.Reference, "The patient, as patient."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("ChargeItem:patient", r => [((ChargeItem)r).Subject]),
        new("ChargeItem:account", r => ((ChargeItem)r).Account),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return Outcome<Resource>.NotFound($"ChargeItem {Missing.Shown(id)} does not exist.");
        id = ledgerId;
        if (records.PatientOf(id) is not { } patientId) return Outcome<Resource>.NotFound($"ChargeItem {Missing.Shown(id)} does not exist.");
        var opened = records.Of(actor, patientId, ConsentCategories.Account, $"account charge {id} (FHIR ChargeItem)");
        if (!opened.IsOk) return opened.As<Resource>();
        return opened.Value!.Entries.FirstOrDefault(e => e.Id == id && e.Type == EntryType.Charge) is { } charge
            ? Outcome<Resource>.Ok(ToFhir(opened.Value!, charge))
            : Outcome<Resource>.NotFound($"ChargeItem {Missing.Shown(id)} does not exist.");
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var found = records.ForSearch(actor, search, ConsentCategories.Account, "account charges (FHIR ChargeItem search)");
        if (!found.IsOk) return found.As<FhirMatches>();
        var ids = search.AnyOf("_id");
        var matches = found.Value!
            .SelectMany(p => p.Entries.Where(e => e.Type == EntryType.Charge).Select(e => (Patient: p, Charge: e)))
            .Where(m => ids.Count == 0 || ids.Contains(FhirIds.Of(m.Charge.Id), StringComparer.Ordinal))
            .OrderBy(m => m.Charge.Details.OccurredAt).ThenBy(m => m.Charge.Id, StringComparer.Ordinal)
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page =>
        {
            records.RecordShown(actor, search, page.Select(m => m.Patient.Patient), "account charges (FHIR ChargeItem search)");
            return page.Select(m => (Resource)ToFhir(m.Patient, m.Charge));
        }));
    }

    private ChargeItem ToFhir(PatientEntries p, EntryView charge)
    {
        var d = charge.Details;
        var currency = Enum.TryParse<Money.Currencies>(format.Currency, out var c) ? c : (Money.Currencies?)null;
        var item = new ChargeItem
        {
            Id = FhirIds.Of(charge.Id),
            Meta = FhirMeta.From(charge.Proof, 1),
            Status = charge.IsEffective ? ChargeItem.ChargeItemStatus.Billable : ChargeItem.ChargeItemStatus.EnteredInError,
            Code = new CodeableConcept { Text = d.Service },
            Subject = FhirMeta.Reference("Patient", p.Patient.Id, p.Patient.DemographicsShared ? p.Patient.Details.FullName : null),
            Occurrence = new FhirDateTime(d.OccurredAt),
            EnteredDate = new FhirDateTime(FhirMeta.BlockTime(charge.Proof)).Value,
            Account = [FhirMeta.Reference("Account", AccountResource.IdPrefix + p.Patient.Id)],
            PriceOverride = new Money { Value = d.AccountEffect(EntryType.Charge), Currency = currency },
            OverrideReason = $"Unit price {(d.UnitPrice ?? 0m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} {format.Currency} × {d.Quantity ?? 0}.",
        };
        if (d.Quantity is { } quantity) item.Quantity = new Quantity { Value = quantity };
        return item;
    }
}
