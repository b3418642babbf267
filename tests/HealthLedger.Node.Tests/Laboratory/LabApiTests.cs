using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Staff;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Laboratory;

/// <summary>The pathology laboratory through /api/v1/lab: the main path, every refusal (nothing written) and who may do what.</summary>
public class LabApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, HttpClient Technician, HttpClient Pathologist, HttpClient Pathologist2,
        HttpClient Patient, string PatientId) : IAsyncDisposable
    {
        /// <summary>The chain's height once pending disclosures are written (so only the actions under test move it).</summary>
        public async Task<ulong> HeightAsync()
        {
            await Node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            return Node.App.Services.GetRequiredService<LedgerNode>().Tip.Height;
        }

        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    /// <summary>The full blood count panel and a glucose test, with sex-specific haemoglobin ranges.</summary>
    internal static object Catalogue(int? version = null) => new
    {
        version,
        tests = new object[]
        {
            new { code = "HGB", loinc = "718-7", name = "Haemoglobin", specimenType = "whole blood (EDTA)", unit = "g/L", possibleLow = 10, possibleHigh = 250, price = 5, turnaroundHours = 4,
                referenceRanges = new object[] { new { sex = "female", low = 120, high = 160, criticalLow = 70 }, new { sex = "male", low = 130, high = 175, criticalLow = 70 } } },
            new { code = "WBC", loinc = "6690-2", name = "White cell count", specimenType = "whole blood (EDTA)", unit = "10*9/L", possibleLow = 0, possibleHigh = 500, price = 5, turnaroundHours = 4,
                referenceRanges = new object[] { new { low = 4.0, high = 11.0, criticalHigh = 30 } } },
            new { code = "PLT", loinc = "777-3", name = "Platelets", specimenType = "whole blood (EDTA)", unit = "10*9/L", possibleLow = 0, possibleHigh = 3000, price = 5, turnaroundHours = 4,
                referenceRanges = new object[] { new { low = 150, high = 400 } } },
            new { code = "GLU", loinc = "2345-7", name = "Glucose", specimenType = "serum", unit = "mmol/L", possibleLow = 0.5, possibleHigh = 60, price = 8, turnaroundHours = 2,
                referenceRanges = new object[] { new { low = 3.9, high = 5.5, criticalLow = 2.5, criticalHigh = 25 } } },
        },
        panels = new object[] { new { code = "FBC", loinc = "58410-2", name = "Full blood count", tests = new[] { "HGB", "WBC", "PLT" }, price = 25.50m, turnaroundHours = 4 } },
    };

    /// <summary>A node (its options changed by <paramref name="configure"/>, if given) with the admin, doctor dr-lab, technician lt-one, pathologists pa-one and pa-two, and patient Pat Lab (admitted), each logged in.</summary>
    internal static async Task<World> SetUpAsync(Func<Configuration.NodeOptions, Configuration.NodeOptions>? configure = null)
    {
        var node = await NodeFixture.StartAsync(configure: configure);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var d = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-lab", name = "Lara Lab", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-L1", fullName = "Pat Lab", dateOfBirth = "1970-05-05", gender = "female" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-lab", ward = "W1", bed = "2", reason = "Anaemia" }, Ct)).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/api/v1/lab/catalogue", Catalogue(0), Ct)).EnsureSuccessStatusCode();
        var t = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/staff", new { userId = "lt-one", role = "lab-technician" }, Ct));
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/staff", new { userId = "pa-one", role = "pathologist" }, Ct));
        var b = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/staff", new { userId = "pa-two", role = "pathologist" }, Ct));
        return new World(node, admin, await node.FirstLoginAsync("dr-lab", d.OneTimePassword!), await node.FirstLoginAsync("lt-one", t.OneTimePassword!),
            await node.FirstLoginAsync("pa-one", a.OneTimePassword!), await node.FirstLoginAsync("pa-two", b.OneTimePassword!),
            await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id);
    }

    internal static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
        }
    }

    private static void HasField(JsonElement problem, string field) =>
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());

    internal static object FbcResults(decimal hgb = 95, decimal wbc = 12.5m, decimal plt = 250, string unit = "g/L", string? reason = null) => new
    {
        results = new object[] { new { code = "HGB", value = hgb, unit }, new { code = "WBC", value = wbc, unit = "10*9/L" }, new { code = "PLT", value = plt, unit = "10*9/L" } },
        amendmentReason = reason,
    };

    /// <summary>Orders an FBC and takes it to <paramref name="upTo"/>: collected, received or resulted (by the technician).</summary>
    private static async Task<LabOrderResponse> OrderAsync(World w, string upTo = "ordered")
    {
        var order = await Read<LabOrderResponse>(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "FBC" }, priority = "urgent", clinicalNote = "Tired, pale." }, Ct));
        if (upTo == "ordered") return order;
        order = await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen", new { notes = "Left arm" }, Ct));
        if (upTo == "collected") return order;
        order = await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen/receipt", new { specimenId = order.SpecimenId }, Ct));
        if (upTo == "received") return order;
        return await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", FbcResults(), Ct));
    }

    [Fact]
    public async Task A_full_blood_count_goes_from_order_to_a_flagged_validated_report_and_the_charge_is_on_the_account()
    {
        await using var w = await SetUpAsync();
        var ordered = await OrderAsync(w);
        Assert.Equal(("ordered", "urgent", "dr-lab"), (ordered.Status, ordered.Priority, ordered.DoctorId));
        Assert.Equal(["FBC"], ordered.Tests);

        var worklist = await Read<List<LabOrderResponse>>(await w.Technician.GetAsync("/api/v1/lab/worklist?status=ordered", Ct));
        Assert.Equal(ordered.Id, Assert.Single(worklist).Id);

        var collected = await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{ordered.Id}/specimen", new { specimenId = "sp-fbc-1" }, Ct));
        Assert.Equal(("collected", "sp-fbc-1"), (collected.Status, collected.SpecimenId));
        using (var label = await w.Technician.GetAsync($"/api/v1/lab/orders/{ordered.Id}/specimen/label", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, label.StatusCode);
            Assert.Equal("image/png", label.Content.Headers.ContentType?.MediaType);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await label.Content.ReadAsByteArrayAsync(Ct))[..4]);
        }
        await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{ordered.Id}/specimen/receipt", new { specimenId = "SP-FBC-1" }, Ct));
        var resulted = await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{ordered.Id}/results", FbcResults(), Ct));
        Assert.Equal(("resulted", "lt-one", false), (resulted.Status, resulted.ResultsBy, resulted.ResultsReady));
        Assert.Null(resulted.Report);

        var validated = await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{ordered.Id}/validate", new { notes = "Iron studies advised." }, Ct));
        Assert.Equal(("validated", "pa-one", true), (validated.Status, validated.ValidatedBy, validated.ResultsReady));
        Assert.Equal(["ordered", "collected", "received", "resulted", "validated"], validated.Steps.Select(s => s.Step));

        // The doctor sees the results ready and the flagged report: Hb 95 g/L is low for a woman, WBC 12.5 high, platelets normal.
        var ready = await Read<List<LabOrderResponse>>(await w.Doctor.GetAsync("/api/v1/lab/worklist?status=validated", Ct));
        var report = Assert.Single(ready).Report!;
        Assert.Equal([("HGB", "L", "120–160 g/L"), ("WBC", "H", "4–11 10*9/L"), ("PLT", "", "150–400 10*9/L")], report.Select(l => (l.Code, l.Flag, l.ReferenceRange)));
        Assert.Equal("718-7", report[0].Loinc);
        Assert.False(Assert.Single(ready).Critical);

        // The charge (the panel's price) was posted with the validation, once.
        var account = await Read<AccountResponse>(await w.Admin.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct));
        var line = Assert.Single(account.Lines);
        Assert.Equal((25.50m, validated.ChargeEntryId), (line.Amount, line.Entry.Id));
        Assert.Contains("Full blood count", line.Entry.Service);

        // The patient reads their own order; the turnaround report counts it.
        Assert.Equal("validated", (await Read<LabOrderResponse>(await w.Patient.GetAsync($"/api/v1/lab/orders/{ordered.Id}", Ct))).Status);
        var turnaround = await Read<List<TurnaroundRow>>(await w.Pathologist.GetAsync("/api/v1/lab/turnaround", Ct));
        var row = Assert.Single(turnaround);
        Assert.Equal(("FBC", "urgent", 1, 4, 1), (row.Code, row.Priority, row.Validated, row.TargetHours, row.WithinTarget));
    }

    [Fact]
    public async Task An_amendment_after_sign_off_needs_a_reason_and_another_validation_and_charges_nothing_more()
    {
        await using var w = await SetUpAsync();
        var order = await OrderAsync(w, "resulted");
        await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct));
        var height = await w.HeightAsync();
        HasField(await Problem(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", FbcResults(hgb: 60), Ct), HttpStatusCode.BadRequest), "amendmentReason");
        Assert.Equal(height, await w.HeightAsync());
        var amended = await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", FbcResults(hgb: 60, reason: "Transcription error"), Ct));
        Assert.Equal(("resulted", "pa-one"), (amended.Status, amended.ResultsBy));
        Assert.Equal("Transcription error", Assert.Single(amended.Amendments).Reason);
        // pa-one entered the amendment, so pa-one may not sign it off.
        await Problem(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct), HttpStatusCode.Forbidden);
        var final = await Read<LabOrderResponse>(await w.Pathologist2.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct));
        Assert.Equal(("LL", true), (final.Report![0].Flag, final.Critical));
        var account = await Read<AccountResponse>(await w.Admin.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct));
        Assert.Equal(25.50m, account.Charges);
    }

    public static TheoryData<string, string> BadResults => new()
    {
        { """{"results":[{"code":"HGB","value":400,"unit":"g/L"},{"code":"WBC","value":5,"unit":"10*9/L"},{"code":"PLT","value":200,"unit":"10*9/L"}]}""", "results[0].value" },
        { """{"results":[{"code":"HGB","value":9.5,"unit":"g/dL"},{"code":"WBC","value":5,"unit":"10*9/L"},{"code":"PLT","value":200,"unit":"10*9/L"}]}""", "results[0].unit" },
        { """{"results":[{"code":"HGB","value":130,"unit":"g/L"},{"code":"WBC","value":5,"unit":"10*9/L"},{"code":"PLT","value":200,"unit":"10*9/L"},{"code":"GLU","value":5,"unit":"mmol/L"}]}""", "results[3].code" },
        { """{"results":[{"code":"HGB","value":130,"unit":"g/L"}]}""", "results" },
        { """{"results":[{"code":"HGB","unit":"g/L"},{"code":"WBC","value":5,"unit":"10*9/L"},{"code":"PLT","value":200,"unit":"10*9/L"}]}""", "results[0].value" },
        { """{"results":[]}""", "results" },
    };

    [Theory]
    [MemberData(nameof(BadResults))]
    public async Task Impossible_unordered_missing_or_wrongly_unitised_results_get_a_field_error_and_write_nothing(string body, string field)
    {
        await using var w = await SetUpAsync();
        var order = await OrderAsync(w, "received");
        var height = await w.HeightAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        HasField(await Problem(await w.Technician.PostAsync($"/api/v1/lab/orders/{order.Id}/results", content, Ct), HttpStatusCode.BadRequest), field);
        Assert.Equal(height, await w.HeightAsync());
        Assert.Equal("received", (await Read<LabOrderResponse>(await w.Technician.GetAsync($"/api/v1/lab/orders/{order.Id}", Ct))).Status);
    }

    [Fact]
    public async Task Bad_orders_specimens_catalogues_staff_and_filters_get_field_errors_and_write_nothing()
    {
        await using var w = await SetUpAsync();
        var height = await w.HeightAsync();
        HasField(await Problem(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "XYZ" } }, Ct), HttpStatusCode.BadRequest), "tests");
        HasField(await Problem(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "FBC" }, priority = "asap" }, Ct), HttpStatusCode.BadRequest), "priority");
        HasField(await Problem(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { tests = new[] { "FBC" } }, Ct), HttpStatusCode.BadRequest), "patientId");
        // Break-it (2026-12-07): an organisation the network does not have was "has no test catalogue", as for a member without one.
        var noSuchLab = await Problem(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "FBC" }, laboratoryId = "city-lab" }, Ct), HttpStatusCode.UnprocessableEntity);
        HasField(noSuchLab, "laboratoryId");
        Assert.StartsWith("Organisation 'city-lab' does not exist.", noSuchLab.GetProperty("detail").GetString());
        HasField(await Problem(await w.Admin.PutAsJsonAsync("/api/v1/lab/catalogue", new { tests = new[] { new { code = "HGB", name = "Hb", specimenType = "blood", unit = "g/L", possibleLow = 250, possibleHigh = 10, price = 1, turnaroundHours = 4 } } }, Ct), HttpStatusCode.BadRequest), "tests[0].possibleHigh");
        HasField(await Problem(await w.Admin.PutAsJsonAsync("/api/v1/lab/catalogue", Catalogue(5), Ct), HttpStatusCode.Conflict), "version");
        HasField(await Problem(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "lt-two", role = "surgeon" }, Ct), HttpStatusCode.BadRequest), "role");
        HasField(await Problem(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "lt-one", role = "lab-technician" }, Ct), HttpStatusCode.BadRequest), "userId");
        HasField(await Problem(await w.Technician.GetAsync("/api/v1/lab/worklist?status=lost", Ct), HttpStatusCode.BadRequest), "status");
        HasField(await Problem(await w.Technician.GetAsync("/api/v1/lab/turnaround?from=yesterday", Ct), HttpStatusCode.BadRequest), "from");
        Assert.Equal(height, await w.HeightAsync());

        var order = await OrderAsync(w, "collected");
        height = await w.HeightAsync();
        HasField(await Problem(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen/receipt", new { specimenId = "sp-other" }, Ct), HttpStatusCode.BadRequest), "specimenId");
        var other = await OrderAsync(w);
        height = await w.HeightAsync();
        HasField(await Problem(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{other.Id}/specimen", new { specimenId = order.SpecimenId }, Ct), HttpStatusCode.Conflict), "specimenId");
        Assert.Equal(height, await w.HeightAsync());
    }

    [Fact]
    public async Task Steps_out_of_order_are_a_409_naming_the_status_and_write_nothing()
    {
        await using var w = await SetUpAsync();
        var order = await OrderAsync(w);
        var height = await w.HeightAsync();
        HasField(await Problem(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen/receipt", new { specimenId = "sp-x" }, Ct), HttpStatusCode.Conflict), "status");
        HasField(await Problem(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", FbcResults(), Ct), HttpStatusCode.Conflict), "status");
        HasField(await Problem(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct), HttpStatusCode.Conflict), "status");
        Assert.Equal(height, await w.HeightAsync());
        await Problem(await w.Technician.GetAsync($"/api/v1/lab/orders/{order.Id}/specimen/label", Ct), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Each_endpoint_answers_401_without_a_session_403_to_the_wrong_role_and_404_for_an_unknown_order()
    {
        await using var w = await SetUpAsync();
        var order = await OrderAsync(w, "resulted");
        var anonymous = w.Node.Http;
        var id = order.Id;
        await Problem(await anonymous.GetAsync("/api/v1/lab/catalogue", Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PutAsJsonAsync("/api/v1/lab/catalogue", Catalogue(), Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync("/api/v1/lab/orders", new { }, Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync($"/api/v1/lab/orders/{id}", Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync($"/api/v1/lab/orders/{id}/specimen", new { }, Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync($"/api/v1/lab/orders/{id}/specimen/receipt", new { }, Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync($"/api/v1/lab/orders/{id}/specimen/label", Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync($"/api/v1/lab/orders/{id}/results", new { }, Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync($"/api/v1/lab/orders/{id}/validate", new { }, Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync("/api/v1/lab/worklist", Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync("/api/v1/lab/turnaround", Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync("/api/v1/staff", Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.PostAsJsonAsync("/api/v1/staff", new { }, Ct), HttpStatusCode.Unauthorized);
        await Problem(await anonymous.GetAsync($"/api/v1/patients/{w.PatientId}/lab-orders", Ct), HttpStatusCode.Unauthorized);

        var height = await w.HeightAsync();
        await Problem(await w.Technician.PutAsJsonAsync("/api/v1/lab/catalogue", Catalogue(1), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Technician.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "FBC" } }, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.PostAsJsonAsync($"/api/v1/lab/orders/{id}/results", FbcResults(), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{id}/validate", new { }, Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Technician.PostAsJsonAsync("/api/v1/staff", new { userId = "lt-two", role = "lab-technician" }, Ct), HttpStatusCode.Forbidden);
        // The patient does not reach an order's steps as a writer; an order of the patient is found, so this is a 403, not a 404.
        await Problem(await w.Patient.PostAsJsonAsync($"/api/v1/lab/orders/{id}/specimen/receipt", new { specimenId = order.SpecimenId }, Ct), HttpStatusCode.Forbidden);
        Assert.Equal(height, await w.HeightAsync());
        Assert.Equal("resulted", (await Read<LabOrderResponse>(await w.Technician.GetAsync($"/api/v1/lab/orders/{id}", Ct))).Status);
        await Problem(await w.Patient.GetAsync("/api/v1/lab/catalogue", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.GetAsync("/api/v1/lab/turnaround", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Doctor.GetAsync("/api/v1/staff", Ct), HttpStatusCode.Forbidden);
        Assert.Single(await Read<List<LabOrderResponse>>(await w.Technician.GetAsync($"/api/v1/patients/{w.PatientId}/lab-orders", Ct)));

        height = await w.HeightAsync();
        foreach (var (client, url, body) in new (HttpClient, string, object?)[]
        {
            (w.Doctor, "/api/v1/lab/orders/lo-nothing", null),
            (w.Technician, "/api/v1/lab/orders/lo-nothing/specimen", new { }),
            (w.Technician, "/api/v1/lab/orders/lo-nothing/specimen/receipt", new { specimenId = "sp-1" }),
            (w.Technician, "/api/v1/lab/orders/lo-nothing/specimen/label", null),
            (w.Technician, "/api/v1/lab/orders/lo-nothing/results", FbcResults()),
            (w.Pathologist, "/api/v1/lab/orders/lo-nothing/validate", new { }),
            (w.Doctor, "/api/v1/patients/pt-nobody/lab-orders", null),
        })
        {
            await Problem(body is null ? await client.GetAsync(url, Ct) : await client.PostAsJsonAsync(url, body, Ct), HttpStatusCode.NotFound);
        }
        Assert.Equal(height, await w.HeightAsync());
    }

    /// <summary>A refused request: who sends it (null: no session), where, the status and problem title expected, and the field named (if any).</summary>
    private sealed record Refusal(HttpClient? Client, HttpMethod Method, string Url, object? Body, HttpStatusCode Status, string Title, string? Field);

    private const string Invalid = "One or more validation errors occurred.";

    [Fact]
    public async Task Each_refusal_names_its_status_title_and_field_and_leaves_the_order_and_the_account_as_they_were()
    {
        await using var w = await SetUpAsync();
        var resulted = await OrderAsync(w, "resulted"); // entered by lt-one
        var received = await OrderAsync(w, "received");
        (await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{received.Id}/results", FbcResults(), Ct)).EnsureSuccessStatusCode(); // entered by pa-one
        var accountantOtp = (await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "acc-lab", role = "accountant" }, Ct))).OneTimePassword!;
        var pharmacistOtp = (await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-lab", role = "pharmacist" }, Ct))).OneTimePassword!;
        var otherOtp = (await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-far", name = "Fay Far", specialty = "Surgery", department = "Theatre", licenceNumber = "L8" }, Ct))).OneTimePassword!;
        var accountant = await w.Node.FirstLoginAsync("acc-lab", accountantOtp);
        var pharmacist = await w.Node.FirstLoginAsync("ph-lab", pharmacistOtp);
        var farDoctor = await w.Node.FirstLoginAsync("dr-far", otherOtp);
        var order = $"/api/v1/lab/orders/{resulted.Id}";
        var third = await OrderAsync(w, "received");
        var fourth = await OrderAsync(w);
        var cases = new Refusal[]
        {
            new(null, HttpMethod.Get, "/api/v1/lab/worklist", null, HttpStatusCode.Unauthorized, "Not authenticated", null),
            new(null, HttpMethod.Post, $"{order}/validate", new { }, HttpStatusCode.Unauthorized, "Not authenticated", null),
            // Sign-off by whoever entered the results: the technician (no pathologist), the pathologist who entered them.
            new(w.Technician, HttpMethod.Post, $"{order}/validate", new { }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Pathologist, HttpMethod.Post, $"/api/v1/lab/orders/{received.Id}/validate", new { }, HttpStatusCode.Forbidden, "Forbidden", null),
            // Wrong unit, impossible value.
            new(w.Technician, HttpMethod.Post, $"/api/v1/lab/orders/{third.Id}/results", FbcResults(unit: "g/dL", hgb: 9.5m), HttpStatusCode.BadRequest, Invalid, "results[0].unit"),
            new(w.Technician, HttpMethod.Post, $"/api/v1/lab/orders/{third.Id}/results", FbcResults(plt: -5), HttpStatusCode.BadRequest, Invalid, "results[2].value"),
            new(w.Technician, HttpMethod.Post, $"/api/v1/lab/orders/{third.Id}/results", FbcResults(wbc: 900), HttpStatusCode.BadRequest, Invalid, "results[1].value"),
            new(w.Pathologist2, HttpMethod.Post, $"{order}/validate", new { notes = new string('x', 1001) }, HttpStatusCode.BadRequest, Invalid, "notes"),
            // Roles without a task here.
            new(w.Patient, HttpMethod.Post, $"{order}/results", FbcResults(), HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Patient, HttpMethod.Post, $"{order}/validate", new { }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Doctor, HttpMethod.Post, $"{order}/validate", new { }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(accountant, HttpMethod.Get, "/api/v1/lab/worklist", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(pharmacist, HttpMethod.Get, "/api/v1/lab/worklist", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(pharmacist, HttpMethod.Get, "/api/v1/lab/turnaround", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Technician, HttpMethod.Put, "/api/v1/lab/catalogue", Catalogue(1), HttpStatusCode.Forbidden, "Forbidden", null),
            // Whoever does not reach the patient's laboratory data finds no such order.
            new(accountant, HttpMethod.Get, order, null, HttpStatusCode.NotFound, "Not found", null),
            new(pharmacist, HttpMethod.Get, order, null, HttpStatusCode.NotFound, "Not found", null),
            new(farDoctor, HttpMethod.Get, order, null, HttpStatusCode.NotFound, "Not found", null),
            new(farDoctor, HttpMethod.Get, $"{order}/pdf", null, HttpStatusCode.NotFound, "Not found", null),
            new(w.Pathologist2, HttpMethod.Post, "/api/v1/lab/orders/lo-none/validate", new { }, HttpStatusCode.NotFound, "Not found", null),
            new(w.Doctor, HttpMethod.Post, "/api/v1/lab/orders", new { patientId = "pt-nobody", tests = new[] { "FBC" } }, HttpStatusCode.NotFound, "Not found", null),
            new(pharmacist, HttpMethod.Get, $"/api/v1/patients/{w.PatientId}/lab-orders", null, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Patient, HttpMethod.Post, $"/api/v1/lab/orders/{fourth.Id}/specimen", new { }, HttpStatusCode.Forbidden, "Forbidden", null),
            new(w.Technician, HttpMethod.Post, $"/api/v1/lab/orders/{fourth.Id}/specimen", new { specimenId = "../x" }, HttpStatusCode.BadRequest, Invalid, "specimenId"),
            new(w.Technician, HttpMethod.Get, "/api/v1/lab/turnaround?to=soon", null, HttpStatusCode.BadRequest, Invalid, "to"),
            // Steps out of order.
            new(w.Technician, HttpMethod.Post, $"{order}/specimen", new { }, HttpStatusCode.Conflict, "Conflict", "status"),
            new(w.Doctor, HttpMethod.Get, $"{order}/pdf", null, HttpStatusCode.Conflict, "Conflict", "status"),
        };
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, c.Url) { Content = c.Body is null ? null : JsonContent.Create(c.Body) };
            var problem = await Problem(await (c.Client ?? w.Node.Http).SendAsync(request, Ct), c.Status);
            Assert.True(c.Title == problem.GetProperty("title").GetString(), $"{c.Method} {c.Url}: {problem}");
            if (c.Field is not null) HasField(problem, c.Field);
        }
        // Refused reads are recorded as (denied) disclosures and move the chain, so what the refused writes would have changed is checked.
        Assert.Equal(("resulted", "lt-one"), await StatusAsync(resulted.Id));
        Assert.Equal(("resulted", "pa-one"), await StatusAsync(received.Id));
        Assert.Equal(("received", ""), await StatusAsync(third.Id));
        Assert.Equal(("ordered", ""), await StatusAsync(fourth.Id));
        Assert.Empty((await Read<AccountResponse>(await w.Admin.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct))).Lines);

        async Task<(string, string)> StatusAsync(string id)
        {
            var o = await Read<LabOrderResponse>(await w.Technician.GetAsync($"/api/v1/lab/orders/{id}", Ct));
            return (o.Status, o.ResultsBy);
        }
    }

    [Fact]
    public async Task Laboratory_staff_reads_of_orders_and_worklists_are_disclosures_the_patient_sees()
    {
        await using var w = await SetUpAsync();
        var order = await OrderAsync(w, "resulted");
        await Read<List<LabOrderResponse>>(await w.Technician.GetAsync("/api/v1/lab/worklist", Ct));
        await Read<LabOrderResponse>(await w.Pathologist2.GetAsync($"/api/v1/lab/orders/{order.Id}", Ct));
        await Read<List<LabOrderResponse>>(await w.Pathologist.GetAsync($"/api/v1/patients/{w.PatientId}/lab-orders", Ct));
        await w.HeightAsync();
        var disclosures = await Read<List<HealthLedger.Node.Audit.DisclosureResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/disclosures", Ct));
        Assert.Contains(disclosures, d => (d.ActorId, d.Resource, d.Purpose, d.Outcome) == ("lt-one", "lab worklist", "laboratory", "allowed"));
        Assert.Contains(disclosures, d => (d.ActorId, d.Resource, d.Outcome) == ("pa-two", $"lab order {order.Id}", "allowed"));
        Assert.Contains(disclosures, d => (d.ActorId, d.Resource, d.Outcome) == ("pa-one", "lab orders", "allowed"));
    }

    [Fact]
    public async Task After_a_validated_and_printed_order_the_chain_verifies_and_no_note_name_or_comment_is_in_plaintext()
    {
        await using var w = await SetUpAsync();
        var order = await OrderAsync(w, "resulted");
        await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { notes = "Iron studies advised." }, Ct));
        using (var pdf = await w.Doctor.GetAsync($"/api/v1/lab/orders/{order.Id}/pdf", Ct)) Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        await w.HeightAsync();
        await w.Node.StopAsync();

        var report = HealthLedger.Storage.StoreVerifier.Verify(new HealthLedger.Node.Configuration.DataDirectory(w.Node.DataPath).LedgerPath);
        Assert.True(report.Ok, report.Issue?.ToString());
        foreach (var file in Directory.GetFiles(w.Node.DataPath, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            foreach (var secret in new[] { "Pat Lab", "MRN-L1", "Tired, pale.", "Left arm", "Iron studies advised", "Full blood count", "Haemoglobin" })
            {
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) < 0, $"'{secret}' in clear in {Path.GetFileName(file)}");
            }
        }
    }

    [Fact]
    public async Task Laboratory_staff_log_in_with_their_role_name_and_the_one_staff_list_shows_them_with_the_pharmacy_staff()
    {
        await using var w = await SetUpAsync();
        (await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-one", role = "pharmacist" }, Ct)).EnsureSuccessStatusCode();
        var staff = await Read<List<StaffMember>>(await w.Admin.GetAsync("/api/v1/staff", Ct));
        Assert.Equal([("admin", "admin"), ("lt-one", "lab-technician"), ("pa-one", "pathologist"), ("pa-two", "pathologist"), ("ph-one", "pharmacist")], staff.Select(s => (s.UserId, s.Role)));
        using var token = await w.Node.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = "lt-one", password = NodeFixture.ChosenPassword }, Ct);
        var body = JsonDocument.Parse(await token.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("lab-technician", body.GetProperty("role").GetString());
    }
}
