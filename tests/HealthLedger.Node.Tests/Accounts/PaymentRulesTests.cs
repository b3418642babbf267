using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Accounts;

/// <summary>Issue 12, item 5: a payment may not exceed the balance due unless it is recorded as a deposit.</summary>
public class PaymentRulesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<(NodeFixture Node, HttpClient Admin, string PatientId)> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female" }, Ct));
        await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/account/charges",
            new { occurredAt = "2026-01-05T11:00", service = "Ward day", quantity = 3, unitPrice = 450 }, Ct));
        return (node, admin, patient.Id);
    }

    private static object Payment(decimal amount, string? corrects = null, bool deposit = false) =>
        new { occurredAt = "2026-01-06T09:00", amount, method = "card", correctsId = corrects, deposit };

    [Fact]
    public async Task An_overpayment_is_409_naming_amount_unless_recorded_as_a_deposit()
    {
        var (node, admin, id) = await SetUpAsync();
        await using var _ = node;
        var path = $"/api/v1/patients/{id}/account/payments";
        // Issue 12, case 5: 99,999 against 1,350 due was accepted and showed a balance of -98,649.
        var height = await EncounterRulesTests.HeightAsync(admin);
        Assert.Contains("1350.00", await EncounterRulesTests.Refused(await admin.PostAsJsonAsync(path, Payment(99_999), Ct), HttpStatusCode.Conflict, "amount"));
        Assert.Equal(height, await EncounterRulesTests.HeightAsync(admin));

        var paid = await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync(path, Payment(1000), Ct));
        // A correction is checked against the balance without the line it replaces.
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync(path, Payment(1400, paid.Id), Ct), HttpStatusCode.Conflict, "amount");
        await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync(path, Payment(1350, paid.Id), Ct));
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync(path, Payment(0.01m), Ct), HttpStatusCode.Conflict, "amount");

        var deposit = await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync(path, Payment(500, deposit: true), Ct));
        Assert.True(deposit.Deposit);
        var account = await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct);
        Assert.Equal((1350m, 1850m, -500m), (account!.Charges, account.Payments, account.Balance));
    }

    [Fact]
    public async Task Two_payments_at_once_cannot_both_pass_the_balance_check()
    {
        var (node, admin, id) = await SetUpAsync();
        await using var _ = node;
        var path = $"/api/v1/patients/{id}/account/payments";
        var responses = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => admin.PostAsJsonAsync(path, Payment(1000), Ct)));
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        foreach (var response in responses) response.Dispose();
        Assert.Equal(350m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);
    }
}
