using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace HealthLedger.Bench;

/// <summary>
/// Drives HealthLedger through its HTTP API as the hospital's users do: the admin registers patients and records encounters,
/// charges and payments, the doctor signs lab reports with an attached file and reads records (each read is a disclosure the
/// node records on the chain), patients grant and revoke access; the doctor orders a full blood count that the laboratory's
/// technician collects, receives and results and its pathologist validates (with the charge), and prescribes a drug that
/// the pharmacist dispenses (stock out, charge). Every write answers after its block commits, so an
/// operation's latency is submit → commit. All users work at the first node (their logins live there, and a user's
/// transactions are numbered by the node that signs them); in a cluster the other nodes validate, vote and replicate.
/// </summary>
/// <param name="url">The node's web address.</param>
/// <param name="adminPassword">Its admin's password.</param>
/// <param name="adminUser">Its admin's login (<c>admin</c>; <c>admin.&lt;organisation&gt;</c> in a consortium).</param>
/// <param name="suffix">Appended to the user ids it registers, so that clients of several organisations of one network do not collide.</param>
public sealed partial class HealthLedgerClient(string url, string adminPassword, string adminUser = "admin", string suffix = "") : IBenchClient
{
    private readonly string _doctorId = "dr-bench" + suffix;
    private readonly string _suffix = suffix;
    private const string DoctorPassword = "bench-doctor-password-1";
    private const string PatientPassword = "bench-patient-password-1";
    private const string StaffPassword = "bench-staff-password-1";
    private HttpClient? _technician;
    private HttpClient? _pathologist;
    private HttpClient? _pharmacist;
    private string _drugId = "";
    private HttpClient? _admin;
    private readonly List<string> _patients = [];
    private readonly ConcurrentDictionary<string, (HttpClient Client, SemaphoreSlim Lock)> _patientSessions = new();
    private readonly ConcurrentDictionary<string, string> _activeGrants = new();
    private HttpClient? _doctor;
    private byte[] _document = [];
    private long _registered;

    public async Task SetupAsync(BenchConfig config, Action<string> progress, CancellationToken ct)
    {
        _document = Document(config.DocumentBytes);
        var admin = _admin = await LoginAsync(url, adminUser, adminPassword, null, ct);
        progress("registering the doctor");
        var doctor = await Read(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = _doctorId, name = "Dana Bench", specialty = "Internal medicine", department = "Ward 1", licenceNumber = "B-1" }, ct), ct);
        _doctor = await LoginAsync(url, _doctorId, doctor.GetProperty("oneTimePassword").GetString()!, DoctorPassword, ct);
        if (config.Mix.LabOrder > 0)
        {
            progress("setting up the laboratory");
            await Read(await admin.PutAsJsonAsync("/api/v1/lab/catalogue", LabCatalogue, ct), ct);
            _technician = await StaffAsync(admin, "lt-bench" + _suffix, "lab-technician", ct);
            _pathologist = await StaffAsync(admin, "pa-bench" + _suffix, "pathologist", ct);
        }
        if (config.Mix.Dispense > 0)
        {
            progress("setting up the pharmacy");
            var drug = await Read(await admin.PostAsJsonAsync("/api/v1/pharmacy/drugs",
                new { name = "Paracetamol", strength = "500 mg", form = "tablet", atcCode = "N02BE01", unitPrice = 0.05m, reorderLevel = 100 }, ct), ct);
            _drugId = drug.GetProperty("id").GetString()!;
            await Read(await admin.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{_drugId}/receipts", new
            {
                quantity = 1_000_000, // 4 per dispense: 250,000 dispenses
                expiresOn = DateTime.UtcNow.AddYears(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                supplier = "Bench Supplies",
                lotNumber = "BENCH-1",
                unitCost = 0.03m,
                reference = "DN-BENCH",
            }, ct), ct);
            _pharmacist = await StaffAsync(admin, "ph-bench" + _suffix, "pharmacist", ct);
        }
        for (var i = 0; i < config.Patients; i++)
        {
            progress($"registering patient {i + 1} of {config.Patients}");
            var created = await Read(await admin.PostAsJsonAsync("/api/v1/patients", PatientBody($"S{_suffix}{i}"), ct), ct);
            var id = created.GetProperty("id").GetString()!;
            await Read(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries", EntryBody(), ct), ct);
            var session = await LoginAsync(url, id, created.GetProperty("oneTimePassword").GetString()!, PatientPassword, ct);
            _patientSessions[id] = (session, new SemaphoreSlim(1, 1));
            _patients.Add(id);
        }
    }

    public async Task<OpOutcome> RunAsync(OpKind kind, long sequence, bool retryBusy, CancellationToken ct)
    {
        var patient = _patients[(int)(sequence % _patients.Count)];
        var admin = _admin!;
        Task<OpOutcome> Call(Func<Task<HttpResponseMessage>> send) => Outcome(send, retryBusy, ct);
        try
        {
            switch (kind)
            {
                case OpKind.RegisterPatient:
                    var tag = $"R{_suffix}{Interlocked.Increment(ref _registered)}-{sequence}";
                    return await Call(() => admin.PostAsJsonAsync("/api/v1/patients", PatientBody(tag), ct));
                case OpKind.Encounter:
                    return await Call(() => admin.PostAsJsonAsync($"/api/v1/patients/{patient}/entries", EntryBody(), ct));
                case OpKind.Charge:
                    return await Call(() => admin.PostAsJsonAsync($"/api/v1/patients/{patient}/account/charges",
                        new { occurredAt = Now(), service = "Consultation", quantity = 1, unitPrice = 40 }, ct));
                case OpKind.Payment:
                    return await Call(() => admin.PostAsJsonAsync($"/api/v1/patients/{patient}/account/payments",
                        new { occurredAt = Now(), amount = 20, method = "card", deposit = true }, ct)); // a deposit: the load mix does not follow each balance
                case OpKind.LabReport:
                    return await Call(async () =>
                    {
                        using var form = new MultipartFormDataContent();
                        form.Add(new StringContent(JsonSerializer.Serialize(new
                        {
                            type = "lab",
                            title = "Full blood count",
                            labResults = new[] { new { test = "Haemoglobin", value = "131", unit = "g/L", referenceRange = "130-170", flag = "" } },
                        })), "metadata");
                        var file = new ByteArrayContent(_document);
                        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
                        form.Add(file, "file", "fbc.pdf");
                        return await _doctor!.PostAsync($"/api/v1/patients/{patient}/reports", form, ct);
                    });
                case OpKind.GrantRevoke:
                    patient = await ConsentTurnAsync((int)(sequence % _patients.Count), ct);
                    var (session, gate) = _patientSessions[patient];
                    try
                    {
                        if (_activeGrants.TryGetValue(patient, out var grantId))
                        {
                            var revoked = await Call(() => session.DeleteAsync($"/api/v1/patients/{patient}/grants/{grantId}", ct));
                            if (revoked.Error is null) _activeGrants.TryRemove(patient, out _);
                            return revoked;
                        }
                        var (granted, grantProblem) = await Step(session, $"/api/v1/patients/{patient}/grants",
                            new { granteeKind = "doctor", granteeId = _doctorId, categories = new[] { "reports" }, expiresAt = DateTimeOffset.UtcNow.AddDays(1) }, retryBusy, ct);
                        if (grantProblem is { } problem) return problem;
                        _activeGrants[patient] = granted.GetProperty("id").GetString()!;
                        return OpOutcome.Ok;
                    }
                    finally
                    {
                        gate.Release();
                    }
                case OpKind.LabOrder:
                    var (order, orderError) = await Step(_doctor!, "/api/v1/lab/orders",
                        new { patientId = patient, tests = new[] { "FBC" }, priority = "routine", clinicalNote = "Routine bloods." }, retryBusy, ct);
                    if (orderError is { } e1) return e1.At("lab order");
                    // The order is placed: its later steps are carried through a refusal (FollowUpStep).
                    var orderId = order.GetProperty("id").GetString()!;
                    var (collected, collectError) = await FollowUpStep(_technician!, $"/api/v1/lab/orders/{orderId}/specimen", new { }, ct);
                    if (collectError is { } e2) return e2.At("specimen collection");
                    var (_, receiptError) = await FollowUpStep(_technician!, $"/api/v1/lab/orders/{orderId}/specimen/receipt", new { specimenId = collected.GetProperty("specimenId").GetString() }, ct);
                    if (receiptError is { } e3) return e3.At("specimen receipt");
                    var (_, resultsError) = await FollowUpStep(_technician!, $"/api/v1/lab/orders/{orderId}/results", FbcResults, ct);
                    if (resultsError is { } e4) return e4.At("lab results");
                    var (_, validateError) = await FollowUpStep(_pathologist!, $"/api/v1/lab/orders/{orderId}/validate", new { notes = "" }, ct);
                    return validateError?.At("lab validation") ?? OpOutcome.Ok;
                case OpKind.Dispense:
                    var (prescription, prescribeError) = await Step(_doctor!, $"/api/v1/patients/{patient}/prescriptions",
                        new { drugId = _drugId, dose = "1 g", route = "oral", frequency = "four times a day", durationDays = 1, quantity = 4, repeats = 0 }, retryBusy, ct);
                    if (prescribeError is { } e5) return e5.At("prescription");
                    var (_, dispenseError) = await FollowUpStep(_pharmacist!, $"/api/v1/pharmacy/prescriptions/{prescription.GetProperty("id").GetString()}/dispenses", new { quantity = 4 }, ct);
                    return dispenseError?.At("dispense") ?? OpOutcome.Ok;
                default:
                    return await Call(() => _doctor!.GetAsync($"/api/v1/patients/{patient}", ct));
            }
        }
        catch (HttpRequestException e)
        {
            return OpOutcome.Failed("connection: " + (e.HttpRequestError == HttpRequestError.Unknown ? e.Message : e.HttpRequestError.ToString()));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return OpOutcome.Failed("timeout (100 s)");
        }
    }

    // A patient changes one consent at a time (the bench follows each one's grant). A consent change goes to the first patient,
    // from the one picked, whose last change has been answered, and waits for the picked one only when every patient's is still
    // in flight: an open-loop round no longer queues, in the client, the consent changes that fell on one patient behind one
    // another while the other patients had none (docs/benchmarks.md, "The maximum-rate round's client"). Returns the patient
    // whose turn it holds.
    private async Task<string> ConsentTurnAsync(int picked, CancellationToken ct)
    {
        for (var i = 0; i < _patients.Count; i++)
        {
            var id = _patients[(picked + i) % _patients.Count];
            if (_patientSessions[id].Lock.Wait(0)) return id;
        }
        await _patientSessions[_patients[picked]].Lock.WaitAsync(ct);
        return _patients[picked];
    }

    /// <summary>A request refused for overload is sent again at most this many times (after each Retry-After) before it counts as rejected.</summary>
    public const int MaxBusyRetries = 60;

    // A later step of an operation already begun (a lab order's collection, receipt, results and validation; a prescription's
    // dispense) waits out a refusal and is sent again in every round, the maximum-rate round too: the order or prescription is
    // on the ledger, and a laboratory or pharmacy carries it through rather than leave it half done. Only an operation's first
    // request is its refusal (rejected); before, a refused later step counted the whole operation as rejected although the node
    // had committed its first steps (docs/benchmarks.md, "The maximum-rate round's client"). A later step still refused after
    // MaxBusyRetries tries is a failure, not a refusal: the operation was left half done (break-it, 2026-12-06: after a minute
    // of tenfold overload on a budget of one write, such steps were counted as refused at once).
    private static async Task<(JsonElement Answer, OpOutcome? Problem)> FollowUpStep(HttpClient client, string path, object body, CancellationToken ct)
    {
        var (answer, problem) = await Step(client, path, body, retryBusy: true, ct);
        return problem is { Rejected: true } refused
            ? (answer, OpOutcome.Failed($"{refused.Error}, {MaxBusyRetries + 1} times: left half done"))
            : (answer, problem);
    }

    // Sends a request; a 503 (overload) is waited out for its Retry-After and sent again when retryBusy, else it is the answer.
    private static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, bool retryBusy, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || !retryBusy || attempt >= MaxBusyRetries) return response;
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, ct);
        }
    }

    // A small catalogue: the full blood count panel.
    private static readonly object LabCatalogue = new
    {
        version = 0,
        tests = new object[]
        {
            LabTest("HGB", "718-7", "Haemoglobin", "g/L", 10, 250, 120, 175),
            LabTest("WBC", "6690-2", "White cell count", "10*9/L", 0, 500, 4, 11),
            LabTest("PLT", "777-3", "Platelets", "10*9/L", 0, 3000, 150, 400),
        },
        panels = new[] { new { code = "FBC", loinc = "58410-2", name = "Full blood count", tests = new[] { "HGB", "WBC", "PLT" }, price = 25.50m, turnaroundHours = 4 } },
    };

    private static readonly object FbcResults = new
    {
        results = new[] { new { code = "HGB", value = 131m, unit = "g/L" }, new { code = "WBC", value = 6.2m, unit = "10*9/L" }, new { code = "PLT", value = 250m, unit = "10*9/L" } },
    };

    private static object LabTest(string code, string loinc, string name, string unit, decimal possibleLow, decimal possibleHigh, decimal low, decimal high) => new
    {
        code,
        loinc,
        name,
        specimenType = "whole blood (EDTA)",
        unit,
        possibleLow,
        possibleHigh,
        price = 5m,
        turnaroundHours = 4,
        referenceRanges = new[] { new { low, high } },
    };

    // A laboratory or pharmacy user: registered by the admin, logged in, its one-time password changed.
    private async Task<HttpClient> StaffAsync(HttpClient admin, string userId, string role, CancellationToken ct)
    {
        var registered = await Read(await admin.PostAsJsonAsync("/api/v1/staff", new { userId, role }, ct), ct);
        return await LoginAsync(url, userId, registered.GetProperty("oneTimePassword").GetString()!, StaffPassword, ct);
    }

    // One write of a multi-step operation: its answer, or how it did not succeed.
    private static async Task<(JsonElement Answer, OpOutcome? Problem)> Step(HttpClient client, string path, object body, bool retryBusy, CancellationToken ct)
    {
        using var response = await SendAsync(() => client.PostAsJsonAsync(path, body, ct), retryBusy, ct);
        if (!Done(response)) return (default, await Describe(response, ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct), null);
    }

    private static object PatientBody(string tag) => new
    {
        mrn = $"BENCH-{tag}-{Guid.NewGuid():N}"[..30],
        fullName = "Bench Patient " + tag,
        dateOfBirth = "1970-01-01",
        gender = "other",
        conditions = new[] { "Hypertension" },
    };

    private object EntryBody() => new { type = "visit", occurredAt = Now(), doctorId = _doctorId, notes = "Routine review." };

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Document(int size)
    {
        var bytes = new byte[Math.Max(size, 32)];
        "%PDF-1.4\n"u8.CopyTo(bytes);
        for (var i = 9; i < bytes.Length - 7; i++) bytes[i] = (byte)(i * 31 % 251);
        "\n%%EOF\n"u8.CopyTo(bytes.AsSpan(bytes.Length - 7));
        return bytes;
    }

    private static async Task<OpOutcome> Outcome(Func<Task<HttpResponseMessage>> send, bool retryBusy, CancellationToken ct)
    {
        using var response = await SendAsync(send, retryBusy, ct);
        return Done(response) ? OpOutcome.Ok : await Describe(response, ct);
    }

    // Done: a 2xx other than 202, which a write gets when the ledger took it but did not commit it within the commit timeout
    // ("Accepted, not yet committed"): a failure of the round, not an operation done.
    private static bool Done(HttpResponseMessage response) => response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Accepted;

    // A failed answer: a 503 is a refusal for overload (rejected, not failed); anything else a failure with its problem's title.
    private static async Task<OpOutcome> Describe(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        string title, detail;
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            title = problem.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            title = detail = "";
        }
        var what = $"HTTP {(int)response.StatusCode} {title}".Trim();
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return OpOutcome.Refused(what);
        // A failure names its problem's detail too, with numbers and ids folded to '#' so that failures of one kind count together.
        var kind = Numbers().Replace(detail, "#");
        return OpOutcome.Failed(kind.Length == 0 ? what : $"{what} ({(kind.Length > 160 ? kind[..160] + "…" : kind)})");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[0-9a-fA-F]{8,}|\d+")]
    private static partial System.Text.RegularExpressions.Regex Numbers();

    private static async Task<JsonElement> Read(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var call = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}";
                throw new HttpRequestException($"set-up call {call} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}", null, response.StatusCode);
            }
            return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        }
    }

    private static async Task<HttpClient> LoginAsync(string url, string user, string password, string? newPassword, CancellationToken ct)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var client = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(100) };
        using var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, ct);
        if (login.StatusCode == HttpStatusCode.Unauthorized)
        {
            client.Dispose();
            throw new HttpRequestException($"{user}'s login was refused (HTTP 401: wrong password)", null, HttpStatusCode.Unauthorized);
        }
        var token = await Read(login, ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        if (newPassword is not null)
        {
            using var changed = await client.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = password, newPassword }, ct);
            if (!changed.IsSuccessStatusCode) throw new InvalidOperationException($"password change for {user} failed: {(int)changed.StatusCode}");
        }
        return client;
    }

    public ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        _doctor?.Dispose();
        _technician?.Dispose();
        _pathologist?.Dispose();
        _pharmacist?.Dispose();
        foreach (var (c, g) in _patientSessions.Values)
        {
            c.Dispose();
            g.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
