using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Records;
using HealthLedger.Node.Staff;
using HealthLedger.Node.Web;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Pharmacy;

/// <summary>
/// The pharmacy API end to end on a real node: formulary and stock, a prescription checked against a penicillin allergy,
/// dispensing first expiry first out with the charge on the account, alerts and movements; and each endpoint's 400, 401,
/// 403 and 404, with nothing written on a refusal.
/// </summary>
public class PharmacyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, OffsetClock Clock, HttpClient Admin, HttpClient Doctor, HttpClient Pharmacist, HttpClient Patient, string PatientId) : IAsyncDisposable
    {
        public ulong Height => Node.App.Services.GetRequiredService<LedgerNode>().Tip.Height;

        public async Task SettleAsync() => await Node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);

        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var clock = new OffsetClock();
        var node = await NodeFixture.StartAsync(clock: clock);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-rx", name = "Rita Rx", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var pharmacist = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-one", role = "pharmacist" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-RX1", fullName = "Penny Cillin", dateOfBirth = "1970-03-03", gender = "female", allergies = "Penicillin (rash, 2019)" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries",
            new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-rx", ward = "W1", bed = "3", reason = "Chest infection" }, Ct)).EnsureSuccessStatusCode();
        return new World(node, clock, admin, await node.FirstLoginAsync("dr-rx", doctor.OneTimePassword!), await node.FirstLoginAsync("ph-one", pharmacist.OneTimePassword!),
            await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!), patient.Id);
    }

    private static object Amoxicillin => new { name = "Amoxicillin", strength = "500 mg", form = "capsule", atcCode = "J01CA04", unitPrice = 2.50m, reorderLevel = 10 };

    private static string Date(int daysFromToday) => DateTime.UtcNow.Date.AddDays(daysFromToday).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static object Receipt(int quantity, int expiresInDays, string lot) =>
        new { quantity, expiresOn = Date(expiresInDays), supplier = "MedSupply Ltd", lotNumber = lot, unitCost = 1.10m, reference = "DN-" + lot };

    private static object Prescription(string drugId, string? overrideReason = null, int quantity = 21, int repeats = 0) =>
        new { drugId, dose = "500 mg", route = "oral", frequency = "three times a day", durationDays = 7, quantity, repeats, instructions = "After food.", overrideReason };

    private static async Task<(string DrugId, string Early, string Late)> StockAmoxicillinAsync(World w)
    {
        var drug = await Read<DrugResponse>(await w.Pharmacist.PostAsJsonAsync("/api/v1/pharmacy/drugs", Amoxicillin, Ct));
        var late = await Read<BatchResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{drug.Id}/receipts", Receipt(20, 200, "LATE-1"), Ct));
        var early = await Read<BatchResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{drug.Id}/receipts", Receipt(8, 30, "EARLY-1"), Ct));
        return (drug.Id, early.Id, late.Id);
    }

    [Fact]
    public async Task Penicillin_allergy_warns_an_override_prescribes_and_the_pharmacist_dispenses_first_expiry_first_with_the_charge_and_a_low_stock_alert()
    {
        await using var w = await SetUpAsync();
        var (drugId, early, late) = await StockAmoxicillinAsync(w);
        var url = $"/api/v1/patients/{w.PatientId}/prescriptions";

        var height = w.Height;
        var warned = await Problem(await w.Doctor.PostAsJsonAsync(url, Prescription(drugId), Ct), HttpStatusCode.Conflict);
        var warnings = warned.GetProperty("errors").GetProperty("overrideReason").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(warnings, m => m.Contains("penicillin", StringComparison.Ordinal) && m.Contains("J01CA04", StringComparison.Ordinal));
        Assert.Equal(height, w.Height);
        Assert.Empty(await Read<List<PrescriptionResponse>>(await w.Doctor.GetAsync(url, Ct)));

        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync(url, Prescription(drugId, "Anaphylaxis ruled out by skin test; benefit outweighs risk."), Ct));
        Assert.Equal(("Amoxicillin 500 mg capsule", 21, 21, 0), (rx.Drug, rx.Authorised, rx.Remaining, rx.Dispensed));
        Assert.NotEmpty(rx.AllergyWarnings);
        Assert.StartsWith("Anaphylaxis", rx.OverrideReason);

        var worklist = await Read<List<PrescriptionResponse>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/worklist", Ct));
        Assert.Equal(("Penny Cillin", rx.Id), (Assert.Single(worklist).PatientName, worklist[0].Id));

        var first = await Read<DispenseResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 12, notes = "Counselled." }, Ct));
        Assert.Equal([new DispenseLineResponse(early, 8), new DispenseLineResponse(late, 4)], first.Lines);
        Assert.Equal(30.00m, first.Amount);
        var account = await Read<AccountResponse>(await w.Admin.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct));
        Assert.Equal(30.00m, account.Balance);
        Assert.Equal(first.ChargeEntryId, Assert.Single(account.Lines).Entry.Id);

        var stock = await Read<DrugResponse>(await w.Pharmacist.GetAsync($"/api/v1/pharmacy/drugs/{drugId}", Ct));
        Assert.Equal((16, false), (stock.Available, stock.LowStock));
        Assert.DoesNotContain(await Read<List<StockAlert>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/alerts", Ct)), a => a.Kind == "low-stock");

        await Read<DispenseResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 6 }, Ct));
        stock = await Read<DrugResponse>(await w.Pharmacist.GetAsync($"/api/v1/pharmacy/drugs/{drugId}", Ct));
        Assert.Equal((10, true), (stock.Available, stock.LowStock)); // at the reorder level
        var alert = Assert.Single(await Read<List<StockAlert>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/alerts", Ct)), a => a.Kind == "low-stock");
        Assert.Equal(drugId, alert.DrugId);
        Assert.Contains(await Read<List<StockAlert>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/alerts?withinDays=250", Ct)), a => a.Kind == "near-expiry" && a.BatchId == late);

        // More than prescribed: 3 remain.
        height = w.Height;
        var tooMany = await Problem(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 4 }, Ct), HttpStatusCode.Conflict);
        Assert.True(tooMany.GetProperty("errors").TryGetProperty("quantity", out _), tooMany.ToString());
        Assert.Equal(height, w.Height);

        var list = Assert.Single(await Read<List<PrescriptionResponse>>(await w.Patient.GetAsync(url, Ct)));
        Assert.Equal((18, 3, 2), (list.Dispensed, list.Remaining, list.Dispenses.Count));
        var movements = await Read<List<StockMovementResponse>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/movements", Ct));
        Assert.Equal(2, movements.Count(m => m.Kind == "receipt"));
        Assert.Equal(-18, movements.Where(m => m.Kind == "dispense").Sum(m => m.Quantity));
        Assert.Equal(28 - 18, movements.Sum(m => m.Quantity));
    }

    [Fact]
    public async Task A_named_expired_batch_is_refused_and_expired_stock_is_not_counted_as_available()
    {
        await using var w = await SetUpAsync();
        var drug = await Read<DrugResponse>(await w.Pharmacist.PostAsJsonAsync("/api/v1/pharmacy/drugs",
            new { name = "Paracetamol", strength = "500 mg", form = "tablet", atcCode = "N02BE01", unitPrice = 0.10m, reorderLevel = 0 }, Ct));
        var batch = await Read<BatchResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{drug.Id}/receipts", Receipt(50, 0, "TODAY-1"), Ct));
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drug.Id, quantity: 10), Ct));
        Assert.Empty(rx.AllergyWarnings);

        w.Clock.Advance(TimeSpan.FromDays(2));
        var pharmacist = await w.Node.LoginAsync("ph-one", NodeFixture.ChosenPassword);
        var height = w.Height;
        var named = await Problem(await pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 5, batchId = batch.Id }, Ct), HttpStatusCode.Conflict);
        Assert.Contains("expired", named.GetProperty("errors").GetProperty("batchId")[0].GetString(), StringComparison.Ordinal);
        var fefo = await Problem(await pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 5 }, Ct), HttpStatusCode.Conflict);
        Assert.Contains("0 units", fefo.GetProperty("errors").GetProperty("quantity")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(height, w.Height);
        Assert.Contains(await Read<List<StockAlert>>(await pharmacist.GetAsync("/api/v1/pharmacy/alerts", Ct)), a => a.Kind == "expired" && a.BatchId == batch.Id);
    }

    [Fact]
    public async Task Every_endpoint_answers_401_without_a_session()
    {
        await using var w = await SetUpAsync();
        var anonymous = w.Node.Http;
        foreach (var path in new[] { "/api/v1/pharmacy/drugs", "/api/v1/pharmacy/drugs/x", "/api/v1/pharmacy/alerts", "/api/v1/pharmacy/movements", "/api/v1/pharmacy/worklist",
            "/api/v1/pharmacy/prescriptions/x", $"/api/v1/patients/{w.PatientId}/prescriptions", "/api/v1/staff" })
        {
            using var get = await anonymous.GetAsync(path, Ct);
            Assert.True(get.StatusCode == HttpStatusCode.Unauthorized, path);
        }
        foreach (var path in new[] { "/api/v1/pharmacy/drugs", "/api/v1/pharmacy/drugs/x/receipts", "/api/v1/pharmacy/prescriptions/x/dispenses", $"/api/v1/patients/{w.PatientId}/prescriptions", "/api/v1/staff" })
        {
            using var post = await anonymous.PostAsJsonAsync(path, new { }, Ct);
            Assert.True(post.StatusCode == HttpStatusCode.Unauthorized, path);
        }
        using var put = await anonymous.PutAsJsonAsync("/api/v1/pharmacy/drugs/x", Amoxicillin, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
    }

    [Fact]
    public async Task Each_role_is_refused_what_is_not_its_task_with_403_and_nothing_written()
    {
        await using var w = await SetUpAsync();
        var (drugId, _, _) = await StockAmoxicillinAsync(w);
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "Tolerated before."), Ct));
        var height = w.Height;
        await Problem(await w.Patient.GetAsync("/api/v1/pharmacy/drugs", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Patient.GetAsync($"/api/v1/pharmacy/drugs/{drugId}", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.PostAsJsonAsync("/api/v1/pharmacy/drugs", Amoxicillin, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.PutAsJsonAsync($"/api/v1/pharmacy/drugs/{drugId}", Amoxicillin, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{drugId}/receipts", Receipt(5, 30, "X"), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.GetAsync("/api/v1/pharmacy/alerts", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.GetAsync("/api/v1/pharmacy/movements", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Admin.GetAsync("/api/v1/pharmacy/worklist", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.GetAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 1 }, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Admin.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 1 }, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Pharmacist.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "x"), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "x"), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Pharmacist.PostAsJsonAsync("/api/v1/staff", new { userId = "acc-1", role = "accountant" }, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Pharmacist.GetAsync("/api/v1/staff", Ct), HttpStatusCode.Forbidden);

        // A doctor who does not attend the patient and holds no grant reads and prescribes nothing.
        var other = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-other", name = "Otto O", specialty = "Surgery", department = "Theatre", licenceNumber = "L9" }, Ct));
        var otherDoctor = await w.Node.FirstLoginAsync("dr-other", other.OneTimePassword!);
        height = w.Height;
        await Problem(await otherDoctor.GetAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Ct), HttpStatusCode.Forbidden);
        await Problem(await otherDoctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "x"), Ct), HttpStatusCode.Forbidden);
        await w.SettleAsync();
        Assert.Equal(0, (await Read<PrescriptionResponse>(await w.Pharmacist.GetAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}", Ct))).Dispensed);
        Assert.Single(await Read<List<PrescriptionResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Ct)));
    }

    [Fact]
    public async Task A_refusal_does_not_echo_an_id_that_is_not_id_shaped()
    {
        // The 403 once echoed the URL's id verbatim ("You may not dispense x<U+202E>…", any length) in its detail and the log.
        await using var w = await SetUpAsync();
        var height = w.Height;
        var hostile = "rx-\u202Eexe.gpj" + new string('e', 300);
        var dispense = await Problem(await w.Admin.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{Uri.EscapeDataString(hostile)}/dispenses", new { quantity = 1 }, Ct), HttpStatusCode.Forbidden);
        var detail = dispense.GetProperty("detail").GetString()!;
        Assert.DoesNotContain("\u202E", detail, StringComparison.Ordinal);
        Assert.Equal("You may not dispense (an invalid id).", detail);
        await w.SettleAsync();
        Assert.Equal(height, w.Height);
    }

    [Fact]
    public async Task Unknown_drugs_prescriptions_and_patients_are_404()
    {
        await using var w = await SetUpAsync();
        await Problem(await w.Pharmacist.GetAsync("/api/v1/pharmacy/drugs/drug-none", Ct), HttpStatusCode.NotFound);
        await Problem(await w.Pharmacist.PutAsJsonAsync("/api/v1/pharmacy/drugs/drug-none", new { name = "A", strength = "1 mg", form = "tablet", unitPrice = 1, reorderLevel = 1, version = 1 }, Ct), HttpStatusCode.NotFound);
        await Problem(await w.Pharmacist.PostAsJsonAsync("/api/v1/pharmacy/drugs/drug-none/receipts", Receipt(5, 30, "X"), Ct), HttpStatusCode.NotFound);
        await Problem(await w.Pharmacist.GetAsync("/api/v1/pharmacy/prescriptions/rx-none", Ct), HttpStatusCode.NotFound);
        await Problem(await w.Pharmacist.PostAsJsonAsync("/api/v1/pharmacy/prescriptions/rx-none/dispenses", new { quantity = 1 }, Ct), HttpStatusCode.NotFound);
        await Problem(await w.Doctor.GetAsync("/api/v1/patients/pt-none/prescriptions", Ct), HttpStatusCode.NotFound);
        await Problem(await w.Doctor.PostAsJsonAsync("/api/v1/patients/pt-none/prescriptions", Prescription("drug-none"), Ct), HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string, string> BadRequests => new()
    {
        { "/api/v1/pharmacy/drugs", """{"name":"Amoxicillin","strength":"500 mg","form":"pill","unitPrice":1,"reorderLevel":1}""", "form" },
        { "/api/v1/pharmacy/drugs", """{"name":"Amoxicillin","strength":"500 mg","form":"capsule","atcCode":"penicillin","unitPrice":1,"reorderLevel":1}""", "atcCode" },
        { "/api/v1/pharmacy/drugs", """{"name":"","strength":"500 mg","form":"capsule","unitPrice":-1,"reorderLevel":1}""", "unitPrice" },
        { "/api/v1/pharmacy/drugs/{drug}/receipts", """{"quantity":5,"expiresOn":"2001-01-01","supplier":"S","lotNumber":"L"}""", "expiresOn" },
        { "/api/v1/pharmacy/drugs/{drug}/receipts", """{"quantity":0,"expiresOn":"2099-01-01","supplier":"S","lotNumber":"L"}""", "quantity" },
        { "/api/v1/pharmacy/drugs/{drug}", """{"name":"Amoxicillin","strength":"500 mg","form":"capsule","unitPrice":3,"reorderLevel":1}""", "version" },
        { "/api/v1/patients/{patient}/prescriptions", """{"drugId":"drug-none","dose":"1","route":"oral","frequency":"daily","durationDays":5,"quantity":5}""", "drugId" },
        { "/api/v1/patients/{patient}/prescriptions", """{"drugId":"{drug}","dose":"1","route":"by mouth","frequency":"daily","durationDays":5,"quantity":5,"overrideReason":"x"}""", "route" },
        { "/api/v1/patients/{patient}/prescriptions", """{"drugId":"{drug}","dose":"1","route":"oral","frequency":"daily","durationDays":5,"quantity":5,"repeats":13,"overrideReason":"x"}""", "repeats" },
        { "/api/v1/pharmacy/prescriptions/{rx}/dispenses", """{"quantity":0}""", "quantity" },
        { "/api/v1/pharmacy/prescriptions/{rx}/dispenses", """{"quantity":22}""", "quantity" },
        { "/api/v1/pharmacy/prescriptions/{rx}/dispenses", """{"quantity":1,"batchId":"bt-none"}""", "batchId" },
        { "/api/v1/staff", """{"userId":"x-1","role":"janitor"}""", "role" },
        { "/api/v1/staff", """{"userId":"ph-one","role":"pharmacist"}""", "userId" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_gets_400_with_the_field_named_and_nothing_written(string path, string body, string field)
    {
        await using var w = await SetUpAsync();
        var (drugId, _, _) = await StockAmoxicillinAsync(w);
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "Tolerated before."), Ct));
        path = path.Replace("{drug}", drugId, StringComparison.Ordinal).Replace("{patient}", w.PatientId, StringComparison.Ordinal).Replace("{rx}", rx.Id, StringComparison.Ordinal);
        body = body.Replace("{drug}", drugId, StringComparison.Ordinal);
        var client = path.Contains("/prescriptions", StringComparison.Ordinal) && path.StartsWith("/api/v1/patients", StringComparison.Ordinal) ? w.Doctor
            : path.StartsWith("/api/v1/staff", StringComparison.Ordinal) ? w.Admin : w.Pharmacist;
        await w.SettleAsync();
        var height = w.Height;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(path.EndsWith(drugId, StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post, path) { Content = content };
        var problem = await Problem(await client.SendAsync(request, Ct), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        await w.SettleAsync();
        Assert.Equal(height, w.Height);
    }

    [Fact]
    public async Task Query_parameters_out_of_range_are_400()
    {
        await using var w = await SetUpAsync();
        var withinDays = await Problem(await w.Pharmacist.GetAsync("/api/v1/pharmacy/alerts?withinDays=-1", Ct), HttpStatusCode.BadRequest);
        Assert.True(withinDays.GetProperty("errors").TryGetProperty("withinDays", out _));
        var from = await Problem(await w.Pharmacist.GetAsync("/api/v1/pharmacy/movements?from=yesterday", Ct), HttpStatusCode.BadRequest);
        Assert.True(from.GetProperty("errors").TryGetProperty("from", out _));
    }

    [Fact]
    public async Task Admins_register_pharmacists_and_accountants_with_one_time_passwords_and_a_drug_changes_version_by_version()
    {
        await using var w = await SetUpAsync();
        var accountant = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "acc-one", role = "accountant" }, Ct));
        Assert.False(string.IsNullOrEmpty(accountant.OneTimePassword));
        await w.Node.FirstLoginAsync("acc-one", accountant.OneTimePassword!);
        var staff = await Read<List<StaffMember>>(await w.Admin.GetAsync("/api/v1/staff", Ct));
        Assert.Equal([("acc-one", "accountant"), ("admin", "admin"), ("ph-one", "pharmacist")], staff.Select(s => (s.UserId, s.Role)));

        var (drugId, _, _) = await StockAmoxicillinAsync(w);
        var changed = await Read<DrugResponse>(await w.Admin.PutAsJsonAsync($"/api/v1/pharmacy/drugs/{drugId}",
            new { name = "Amoxicillin", strength = "500 mg", form = "capsule", atcCode = "J01CA04", unitPrice = 2.75m, reorderLevel = 12, version = 1 }, Ct));
        Assert.Equal((2, 2.75m, 12, 28), (changed.Version, changed.UnitPrice, changed.ReorderLevel, changed.OnHand));
        var stale = await Problem(await w.Pharmacist.PutAsJsonAsync($"/api/v1/pharmacy/drugs/{drugId}",
            new { name = "Amoxicillin", strength = "500 mg", form = "capsule", unitPrice = 3m, reorderLevel = 12, version = 1 }, Ct), HttpStatusCode.Conflict);
        Assert.True(stale.GetProperty("errors").TryGetProperty("version", out _));
        await Problem(await w.Pharmacist.PostAsJsonAsync("/api/v1/pharmacy/drugs", Amoxicillin, Ct), HttpStatusCode.Conflict);
        Assert.Single(await Read<List<DrugResponse>>(await w.Doctor.GetAsync("/api/v1/pharmacy/drugs", Ct)));
    }
    /// <summary>A refused request: who sends it, where, the status and problem title expected, and the field named (if any).</summary>
    private sealed record Refusal(HttpClient? Client, HttpMethod Method, string Url, object? Body, HttpStatusCode Status, string Title, string? Field);

    [Fact]
    public async Task Each_refusal_names_its_status_title_and_field_and_neither_stock_nor_account_nor_chain_changes()
    {
        await using var w = await SetUpAsync();
        var (drugId, early, late) = await StockAmoxicillinAsync(w); // 8 units in EARLY-1, 20 in LATE-1
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "Tolerated before.", quantity: 21, repeats: 1), Ct));
        var big = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "Tolerated before.", quantity: 40), Ct));
        var accountantOtp = (await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "acc-rx", role = "accountant" }, Ct))).OneTimePassword!;
        var accountant = await w.Node.FirstLoginAsync("acc-rx", accountantOtp);
        var dispenses = $"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses";
        var cases = new Refusal[]
        {
            new(null, HttpMethod.Get, "/api/v1/pharmacy/worklist", null, HttpStatusCode.Unauthorized, "Not authenticated", null),
            new(null, HttpMethod.Post, dispenses, new { quantity = 1 }, HttpStatusCode.Unauthorized, "Not authenticated", null),
            // A patient or a doctor calling the pharmacist's endpoints.
            new(w.Patient, HttpMethod.Get, "/api/v1/pharmacy/worklist", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Patient, HttpMethod.Get, $"/api/v1/pharmacy/prescriptions/{rx.Id}", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Patient, HttpMethod.Post, dispenses, new { quantity = 1 }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Patient, HttpMethod.Post, $"/api/v1/pharmacy/drugs/{drugId}/receipts", Receipt(5, 30, "PT-1"), HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Doctor, HttpMethod.Get, "/api/v1/pharmacy/worklist", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Doctor, HttpMethod.Post, dispenses, new { quantity = 1 }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(accountant, HttpMethod.Get, "/api/v1/pharmacy/worklist", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(accountant, HttpMethod.Get, "/api/v1/pharmacy/drugs", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(accountant, HttpMethod.Post, dispenses, new { quantity = 1 }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(accountant, HttpMethod.Post, $"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "x"), HttpStatusCode.Forbidden, "Forbidden", null),
            // Bad dispenses: more than one supply, more than remains on a named batch (stock would go below zero), more than is in stock.
            new(w.Pharmacist, HttpMethod.Post, dispenses, new { quantity = 22 }, HttpStatusCode.BadRequest, "One or more validation errors occurred.", "quantity"),
            new(w.Pharmacist, HttpMethod.Post, dispenses, new { quantity = 9, batchId = early }, HttpStatusCode.Conflict, "Conflict", "quantity"),
            new(w.Pharmacist, HttpMethod.Post, $"/api/v1/pharmacy/prescriptions/{big.Id}/dispenses", new { quantity = 29 }, HttpStatusCode.Conflict, "Conflict", "quantity"),
            new(w.Pharmacist, HttpMethod.Post, dispenses, new { quantity = 1, batchId = "bt-none" }, HttpStatusCode.BadRequest, "One or more validation errors occurred.", "batchId"),
            // An allergy without an override reason, and blank reasons.
            new(w.Doctor, HttpMethod.Post, $"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId), HttpStatusCode.Conflict, "Conflict", "overrideReason"),
            new(w.Doctor, HttpMethod.Post, $"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "   "), HttpStatusCode.Conflict, "Conflict", "overrideReason"),
            new(w.Pharmacist, HttpMethod.Get, "/api/v1/pharmacy/worklist?all=maybe", null, HttpStatusCode.BadRequest, "Bad Request", "all"),
            new(w.Pharmacist, HttpMethod.Get, "/api/v1/pharmacy/alerts?withinDays=soon", null, HttpStatusCode.BadRequest, "Bad Request", "withinDays"),
            new(w.Pharmacist, HttpMethod.Get, "/api/v1/pharmacy/movements?from=2026-12-01&to=2026-11-01", null, HttpStatusCode.BadRequest, "One or more validation errors occurred.", "to"),
            new(w.Pharmacist, HttpMethod.Post, "/api/v1/pharmacy/prescriptions/rx-none/dispenses", new { quantity = 1 }, HttpStatusCode.NotFound, "Not found", null),
            new(w.Pharmacist, HttpMethod.Get, "/api/v1/pharmacy/prescriptions/rx-none", null, HttpStatusCode.NotFound, "Not found", null),
            new(w.Doctor, HttpMethod.Post, "/api/v1/patients/pt-none/prescriptions", Prescription(drugId), HttpStatusCode.NotFound, "Not found", null),
        };
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, c.Url) { Content = c.Body is null ? null : JsonContent.Create(c.Body) };
            var problem = await Problem(await (c.Client ?? w.Node.Http).SendAsync(request, Ct), c.Status);
            Assert.True(c.Title == problem.GetProperty("title").GetString(), $"{c.Method} {c.Url}: {problem}");
            if (c.Field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(c.Field, out _), $"{c.Method} {c.Url}: {problem}");
        }
        // Refused reads are recorded as (denied) disclosures, so the chain grows: what a refused write would have written is checked instead.
        var stock = await Read<DrugResponse>(await w.Pharmacist.GetAsync($"/api/v1/pharmacy/drugs/{drugId}", Ct));
        Assert.Equal((28, 8, 20), (stock.OnHand, stock.Batches.Single(b => b.Id == early).OnHand, stock.Batches.Single(b => b.Id == late).OnHand));
        Assert.Empty((await Read<AccountResponse>(await w.Admin.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct))).Lines);
        Assert.Equal(2, (await Read<List<PrescriptionResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Ct))).Count);
        Assert.Equal(0, (await Read<PrescriptionResponse>(await w.Pharmacist.GetAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}", Ct))).Dispensed);
        Assert.DoesNotContain(await Read<List<StockMovementResponse>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/movements", Ct)), m => m.Kind == "dispense");
    }

    [Fact]
    public async Task A_doctor_granted_only_the_medication_is_still_warned_of_the_recorded_allergy()
    {
        await using var w = await SetUpAsync();
        var (drugId, _, _) = await StockAmoxicillinAsync(w);
        var otp = (await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-gp", name = "Gail GP", specialty = "General practice", department = "Clinic", licenceNumber = "L7" }, Ct))).OneTimePassword!;
        var gp = await w.Node.FirstLoginAsync("dr-gp", otp);
        (await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-gp", categories = new[] { "medication" } }, Ct)).EnsureSuccessStatusCode();
        await w.SettleAsync();
        var height = w.Height;
        var warned = await Problem(await gp.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId), Ct), HttpStatusCode.Conflict);
        Assert.Contains(warned.GetProperty("errors").GetProperty("overrideReason").EnumerateArray(), m => m.GetString()!.Contains("J01CA04", StringComparison.Ordinal));
        await w.SettleAsync();
        Assert.Equal(height, w.Height);
        var rx = await Read<PrescriptionResponse>(await gp.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "Tolerated amoxicillin in 2022."), Ct));
        Assert.NotEmpty(rx.AllergyWarnings);
    }

    [Fact]
    public async Task The_pharmacists_reads_of_a_patient_are_recorded_as_disclosures_the_patient_sees()
    {
        await using var w = await SetUpAsync();
        var (drugId, _, _) = await StockAmoxicillinAsync(w);
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, "Tolerated before."), Ct));
        await Read<List<PrescriptionResponse>>(await w.Pharmacist.GetAsync("/api/v1/pharmacy/worklist", Ct));
        await Read<PrescriptionResponse>(await w.Pharmacist.GetAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}", Ct));
        await w.SettleAsync();
        var disclosures = await Read<List<HealthLedger.Node.Audit.DisclosureResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/disclosures", Ct));
        var pharmacist = disclosures.Where(d => d.ActorId == "ph-one").ToList();
        Assert.Contains(pharmacist, d => d.Resource == "pharmacy worklist" && d.Purpose == "dispensing" && d.Outcome == "allowed");
        Assert.Contains(pharmacist, d => d.Resource == $"prescription {rx.Id}" && d.Outcome == "allowed");
    }

    [Fact]
    public async Task After_prescribing_and_dispensing_the_chain_verifies_and_no_drug_name_or_reason_is_in_plaintext()
    {
        await using var w = await SetUpAsync();
        var (drugId, _, _) = await StockAmoxicillinAsync(w);
        const string reason = "Desensitised under supervision in March.";
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions", Prescription(drugId, reason), Ct));
        await Read<DispenseResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 10, notes = "Counselled on rash." }, Ct));
        await w.SettleAsync();
        await w.Node.StopAsync();

        var data = new DataDirectory(w.Node.DataPath);
        var report = StoreVerifier.Verify(data.LedgerPath);
        Assert.True(report.Ok, report.Issue?.ToString());
        foreach (var file in Directory.GetFiles(w.Node.DataPath, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            foreach (var secret in new[] { "Amoxicillin", "MedSupply", "EARLY-1", reason, "Counselled on rash", "three times a day", "Penny Cillin" })
            {
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret}' in clear in {Path.GetFileName(file)}");
            }
        }
    }
}
