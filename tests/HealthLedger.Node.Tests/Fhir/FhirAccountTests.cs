using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Fhir.Resources;
using Hl7.Fhir.Model;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>/fhir/R4 Account and ChargeItem from patients' hospital accounts against a real node; every resource returned is validated.</summary>
public class FhirAccountTests
{
    [Fact]
    public async Task A_patients_account_carries_its_balance_and_each_charge_is_a_charge_item_a_correction_marks_entered_in_error()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var jane = await Created(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-A1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female", conditions = Array.Empty<string>() }, Ct));
        var john = await Created(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-A2", fullName = "John Doe", dateOfBirth = "1970-01-01", gender = "male", conditions = Array.Empty<string>() }, Ct));
        var account = $"/api/v1/patients/{jane.Id}/account";
        var mri = await Created<EntryResponse>(await admin.PostAsJsonAsync($"{account}/charges", new { occurredAt = "2026-01-05T10:00Z", service = "MRI scan", quantity = 1, unitPrice = 100 }, Ct));
        var corrected = await Created<EntryResponse>(await admin.PostAsJsonAsync($"{account}/charges", new { occurredAt = "2026-01-05T10:00Z", service = "MRI scan", quantity = 1, unitPrice = 80, correctsId = mri.Id }, Ct));
        var tablets = await Created<EntryResponse>(await admin.PostAsJsonAsync($"{account}/charges", new { occurredAt = "2026-01-06T10:00Z", service = "Tablets", quantity = 3, unitPrice = 2.5 }, Ct));
        await Created<EntryResponse>(await admin.PostAsJsonAsync($"{account}/payments", new { occurredAt = "2026-01-07T10:00Z", amount = 50, method = "cash" }, Ct));
        await Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{john.Id}/account/charges", new { occurredAt = "2026-01-05T10:00Z", service = "X-ray", quantity = 1, unitPrice = 40 }, Ct));

        var fhir = await Fhir<Account>(await admin.GetAsync($"/fhir/R4/Account/account-{jane.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(Account.AccountStatus.Active, fhir.Status);
        Assert.Equal($"Patient/{jane.Id}", fhir.Subject.Single().Reference);
        Assert.Equal("Organization/fixture-hospital", fhir.Owner!.Reference);
        var balance = Assert.IsType<Money>(fhir.GetExtensionValue<Money>(AccountResource.BalanceExtension));
        Assert.Equal(37.50m, balance.Value); // 80 + 7.50 - 50
        Assert.Equal(Money.Currencies.EUR, balance.Currency);
        Assert.Contains("Balance due 37.50 EUR", fhir.Description);

        var byPatient = await Fhir<Bundle>(await admin.GetAsync($"/fhir/R4/Account?patient=Patient/{jane.Id}&_include=Account:patient", Ct), HttpStatusCode.OK);
        Assert.Equal($"account-{jane.Id}", Entries(byPatient).Single().Id);
        Assert.Equal(jane.Id, Assert.IsType<Patient>(Entries(byPatient, Bundle.SearchEntryMode.Include).Single()).Id);
        var accounts = await Fhir<Bundle>(await admin.GetAsync("/fhir/R4/Account", Ct), HttpStatusCode.OK);
        Assert.Equal(2, accounts.Total);

        var charges = await Fhir<Bundle>(await admin.GetAsync($"/fhir/R4/ChargeItem?patient={jane.Id}", Ct), HttpStatusCode.OK);
        var items = Entries(charges).Cast<ChargeItem>().ToList();
        Assert.Equal(new[] { mri.Id, corrected.Id, tablets.Id }.Order(StringComparer.Ordinal), items.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.Equal(ChargeItem.ChargeItemStatus.EnteredInError, items.Single(i => i.Id == mri.Id).Status);
        var current = items.Single(i => i.Id == corrected.Id);
        Assert.Equal(ChargeItem.ChargeItemStatus.Billable, current.Status);
        Assert.Equal(80m, current.PriceOverride!.Value);
        Assert.Equal("MRI scan", current.Code!.Text);
        Assert.Equal($"Account/account-{jane.Id}", current.Account.Single().Reference);
        var read = await Fhir<ChargeItem>(await admin.GetAsync($"/fhir/R4/ChargeItem/{tablets.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal((3m, 7.50m), (read.Quantity!.Value!.Value, read.PriceOverride!.Value!.Value));
        var everyone = await Fhir<Bundle>(await admin.GetAsync("/fhir/R4/ChargeItem?_include=ChargeItem:account", Ct), HttpStatusCode.OK);
        Assert.Equal(4, everyone.Total);
        Assert.Equal(2, Entries(everyone, Bundle.SearchEntryMode.Include).OfType<Account>().Count());

        await Fhir<OperationOutcome>(await admin.GetAsync($"/fhir/R4/Account/{jane.Id}", Ct), HttpStatusCode.NotFound);
        await Fhir<OperationOutcome>(await admin.GetAsync("/fhir/R4/Account/account-pt-nosuchpatient", Ct), HttpStatusCode.NotFound);
        // A payment is an account line but not a charge.
        var payments = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/patients/{jane.Id}/entries", Ct);
        var paymentId = payments.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "payment").GetProperty("id").GetString();
        await Fhir<OperationOutcome>(await admin.GetAsync($"/fhir/R4/ChargeItem/{paymentId}", Ct), HttpStatusCode.NotFound);

        // A doctor who does not attend Jane reaches neither.
        var doctor = await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-acc", name = "Ann Count", specialty = "Medicine", department = "Ward", licenceNumber = "L-9" }, Ct));
        using var drClient = await node.FirstLoginAsync("dr-acc", doctor.OneTimePassword!);
        await Fhir<OperationOutcome>(await drClient.GetAsync($"/fhir/R4/Account/account-{jane.Id}", Ct), HttpStatusCode.Forbidden);
        await Fhir<OperationOutcome>(await drClient.GetAsync($"/fhir/R4/ChargeItem/{tablets.Id}", Ct), HttpStatusCode.Forbidden);
        var noCharges = await Fhir<Bundle>(await drClient.GetAsync("/fhir/R4/ChargeItem", Ct), HttpStatusCode.OK);
        Assert.Empty(noCharges.Entry);
    }
}
