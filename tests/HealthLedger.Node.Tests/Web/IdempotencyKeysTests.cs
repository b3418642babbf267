using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Tests.Accounts;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Web;

/// <summary>Issue 12, item 5: duplicates of one submission are not booked twice (<c>Idempotency-Key</c> on every POST).</summary>
public class IdempotencyKeysTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add(IdempotencyKeys.Header, key);
        return await client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task The_same_key_and_body_answer_the_first_answer_again_and_book_once()
    {
        var (node, admin, id) = await PaymentRulesTests.SetUpAsync();
        await using var _ = node;
        var path = $"/api/v1/patients/{id}/account/payments";
        var body = new { occurredAt = "2026-01-06T09:00", amount = 100, method = "cash" };
        var height = await EncounterRulesTests.HeightAsync(admin);
        var first = await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, path, body, "pay-1"));
        using (var again = await PostAsync(admin, path, body, "pay-1"))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
            Assert.Equal(first.Id, (await again.Content.ReadFromJsonAsync<EntryResponse>(Ct))!.Id);
            Assert.NotNull(again.Headers.Location);
        }
        Assert.Equal(height + 1, await EncounterRulesTests.HeightAsync(admin));
        Assert.Equal(1250m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);

        // The same key with another body is 422; nothing is written.
        var message = await EncounterRulesTests.Refused(await PostAsync(admin, path, body with { amount = 200 }, "pay-1"), HttpStatusCode.UnprocessableEntity, IdempotencyKeys.Header);
        Assert.Contains("another request", message);
        Assert.Equal(height + 1, await EncounterRulesTests.HeightAsync(admin));
        // A refusal is kept too: its replay is the same problem, and the retry does not book anything.
        var refused = new { occurredAt = "2026-01-06T09:00", amount = 99_999, method = "cash" };
        await EncounterRulesTests.Refused(await PostAsync(admin, path, refused, "pay-2"), HttpStatusCode.Conflict, "amount");
        await EncounterRulesTests.Refused(await PostAsync(admin, path, refused, "pay-2"), HttpStatusCode.Conflict, "amount");
        // Without a key, or with a new one, each POST is its own.
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, path, body, null));
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, path, body, "pay-3"));
        Assert.Equal(1050m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);
    }

    [Fact]
    public async Task Keys_are_per_user_and_bad_keys_are_400()
    {
        var (node, admin, id) = await PaymentRulesTests.SetUpAsync();
        await using var _ = node;
        var doctor = await EncounterRulesTests.Created<WriteResponse>(await PostAsync(admin, "/api/v1/doctors", EncounterRulesTests.DoctorOne, "k-1"));
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, $"/api/v1/patients/{id}/entries",
            new { type = "admission", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", ward = "W1", bed = "1", reason = "Pain" }, "k-2"));
        var doctorClient = await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!);
        // The doctor's "k-1" is not the admin's "k-1".
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(doctorClient, $"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = "2026-01-05T11:00", doctorId = "dr-one", notes = "Seen." }, "k-1"));
        await EncounterRulesTests.Refused(await PostAsync(admin, $"/api/v1/patients/{id}/account/payments",
            new { occurredAt = "2026-01-06T09:00", amount = 1, method = "cash" }, new string('x', 300)), HttpStatusCode.BadRequest, IdempotencyKeys.Header);
    }
}
