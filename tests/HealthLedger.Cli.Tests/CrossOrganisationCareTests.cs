using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// Issue 13 item 5, care across organisations, with real processes ('consortium up', four organisations, one node each): a
/// patient of General Hospital grants a St Mary doctor encounters and reports for 7 days; the doctor reads them at St Mary's
/// node while General Hospital's node is stopped (SIGTERM); the patient sees the disclosure at General Hospital when its
/// node is back; after revocation the doctor is refused. St Mary's admin reads nothing of the patient. Then issue 15's lab
/// flow on the same network: a General Hospital doctor orders a full blood count from City Lab once the patient granted City
/// Lab their laboratory data; City Lab's technician and pathologist work at City Lab's node; the doctor reads the flagged
/// report at General Hospital's node, and General Hospital's node charges the patient's account for the test, once (the
/// patient's organisation bills for what it sent to another organisation's laboratory).
/// </summary>
public sealed class CrossOrganisationCareTests : IDisposable
{
    private const string Orgs = "General Hospital:hospital,St Mary Hospital:hospital,City Lab:laboratory,Green Pharmacy:pharmacy";
    private static readonly string[] Ids = ["general-hospital", "st-mary-hospital", "city-lab", "green-pharmacy"];
    private const string Chosen = "a-fresh-strong-password";

    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_St_Mary_doctor_reads_a_General_Hospital_patient_at_St_Mary_while_General_Hospital_is_down()
    {
        var root = _dir.Combine("net");
        var basePort = Ports.FreeClusterBlock();
        using var up = CliProcess.Start("consortium", "up", "--orgs", Orgs, "--data", root, "--base-port", basePort.ToString(CultureInfo.InvariantCulture));
        var urls = Ids.Select((_, k) => new Uri($"http://127.0.0.1:{basePort + k}")).ToList();
        var clients = urls.Select(u => new HttpClient { BaseAddress = u, Timeout = TimeSpan.FromSeconds(15) }).ToList();
        CliProcess? restarted = null;
        try
        {
            await LocalCluster.PollAsync("every node is ready", () => Task.FromResult(up.Stdout.Contains("All 4 nodes are ready.", StringComparison.Ordinal) || up.HasExited),
                () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(90));
            Assert.False(up.HasExited, up.Stdout + up.Stderr);
            using var generalAdmin = await LoginAsync(urls[0], NetworkInitializer.ConsortiumAdmin(Ids[0]), CliProcess.Password);
            using var stMaryAdmin = await LoginAsync(urls[1], NetworkInitializer.ConsortiumAdmin(Ids[1]), CliProcess.Password);

            // General Hospital: a doctor, a patient, a visit under that doctor and a lab report by them.
            var drGeneral = await Json(await generalAdmin.PostAsJsonAsync("/api/v1/doctors",
                new { doctorId = "dr-general", name = "Gina General", specialty = "Pathology", department = "Lab", licenceNumber = "G1" }, Ct));
            var patient = await Json(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
                new { mrn = "GH-1", fullName = "Pat Cross", dateOfBirth = "1970-01-01", gender = "female", conditions = new[] { "Anaemia" } }, Ct));
            var patientId = patient.GetProperty("id").GetString()!;
            var drStMary = await Json(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors",
                new { doctorId = "dr-stmary", name = "Sam St Mary", specialty = "Cardiology", department = "Heart", licenceNumber = "S1" }, Ct));
            await Json(await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patientId}/entries",
                new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture), doctorId = "dr-general", notes = "Bloods taken." }, Ct));
            using var general = await FirstLoginAsync(urls[0], "dr-general", drGeneral.GetProperty("oneTimePassword").GetString()!);
            var metadata = new { type = "lab", title = "Full blood count", labResults = new[] { new { test = "Haemoglobin", value = "98", unit = "g/L", referenceRange = "130-170", flag = "L" } } };
            var pdf = "%PDF-1.4\n% cross-organisation lab report\n%%EOF\n"u8.ToArray();
            string reportId;
            using (var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } })
            {
                var part = new ByteArrayContent(pdf);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
                form.Add(part, "file", "fbc.pdf");
                reportId = (await Json(await general.PostAsync($"/api/v1/patients/{patientId}/reports", form, Ct))).GetProperty("reportId").GetString()!;
            }
            using var pat = await FirstLoginAsync(urls[0], patientId, patient.GetProperty("oneTimePassword").GetString()!);
            using var doctor = await FirstLoginAsync(urls[1], "dr-stmary", drStMary.GetProperty("oneTimePassword").GetString()!);

            // The patient finds the St Mary doctor in the consortium's doctor directory at General Hospital's node.
            var directory = await Json(await pat.GetAsync("/api/v1/doctors?organisation=all", Ct));
            Assert.Contains(directory.GetProperty("items").EnumerateArray(), d => d.GetProperty("id").GetString() == "dr-stmary"
                && d.GetProperty("name").GetString() == "Sam St Mary" && d.GetProperty("specialty").GetString() == "Cardiology" && d.GetProperty("organisationId").GetString() == Ids[1]);
            Assert.DoesNotContain("dr-stmary", (await Json(await pat.GetAsync("/api/v1/doctors", Ct))).GetRawText(), StringComparison.Ordinal); // own organisation's by default

            // A grant to an organisation that is not a member is a field error; to the St Mary doctor, 7 days of encounters and reports.
            using (var bad = await pat.PostAsJsonAsync($"/api/v1/patients/{patientId}/grants", new { granteeKind = "organisation", granteeId = "no-such-org", categories = new[] { "reports" } }, Ct))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
                Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("granteeId", out _));
            }
            await Json(await pat.PostAsJsonAsync($"/api/v1/patients/{patientId}/grants",
                new { granteeKind = "doctor", granteeId = "dr-stmary", categories = new[] { "encounters", "reports" }, expiresAt = DateTimeOffset.UtcNow.AddDays(7).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) }, Ct));
            var grantId = (await Json(await pat.GetAsync($"/api/v1/patients/{patientId}/grants", Ct)))[0].GetProperty("id").GetString()!;
            var granted = (await LocalCluster.HealthAsync(clients[0]))!.Height;
            await LocalCluster.PollAsync("St Mary's node has the grant", async () => (await LocalCluster.HealthAsync(clients[1]))?.Height >= granted, () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));

            // General Hospital's node stops (SIGTERM); St Mary's node serves its doctor from the replicated ciphertexts and envelopes.
            var generalPid = NodePid(Path.Combine(root, Ids[0]));
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", generalPid.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync(Ct);
            await LocalCluster.PollAsync("General Hospital's node stopped", () => Task.FromResult(!Directory.Exists($"/proc/{generalPid}")), () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
            Assert.Null(await LocalCluster.HealthAsync(clients[0]));

            var list = await Json(await doctor.GetAsync("/api/v1/patients", Ct));
            Assert.Contains(list.GetProperty("items").EnumerateArray(), p => p.GetProperty("id").GetString() == patientId);
            var entries = await Json(await doctor.GetAsync($"/api/v1/patients/{patientId}/entries", Ct));
            Assert.Contains("Bloods taken.", entries.GetRawText(), StringComparison.Ordinal);
            var reports = await Json(await doctor.GetAsync($"/api/v1/patients/{patientId}/reports", Ct));
            Assert.Contains("Full blood count", reports.GetRawText(), StringComparison.Ordinal);
            using (var file = await doctor.GetAsync($"/api/v1/reports/{reportId}/file", Ct))
            {
                Assert.True(file.IsSuccessStatusCode, await file.Content.ReadAsStringAsync(Ct));
                Assert.Equal(pdf, await file.Content.ReadAsByteArrayAsync(Ct)); // the file's ciphertext replicated; the doctor's key opens it
            }
            using (var demographics = await doctor.GetAsync($"/api/v1/patients/{patientId}", Ct)) Assert.Equal(HttpStatusCode.Forbidden, demographics.StatusCode); // not granted

            // St Mary's admin reads nothing of General Hospital's patient, though St Mary's node now holds it open for the doctor.
            using (var adminRead = await stMaryAdmin.GetAsync($"/api/v1/patients/{patientId}/entries", Ct)) Assert.Equal(HttpStatusCode.Forbidden, adminRead.StatusCode);
            Assert.DoesNotContain(patientId, (await Json(await stMaryAdmin.GetAsync("/api/v1/patients", Ct))).GetRawText(), StringComparison.Ordinal);

            // General Hospital's node comes back, catches up, and shows the patient St Mary's node-signed disclosures.
            restarted = CliProcess.Start("node", "--data", Path.Combine(root, Ids[0]));
            using var back = await LoginWhenUpAsync(urls[0], patientId, Chosen);
            await LocalCluster.PollAsync("the patient sees the St Mary doctor's reads", async () =>
            {
                using var answer = await back.GetAsync($"/api/v1/patients/{patientId}/disclosures", Ct);
                return answer.IsSuccessStatusCode && (await answer.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray()
                    .Any(d => d.GetProperty("actorId").GetString() == "dr-stmary" && d.GetProperty("outcome").GetString() == "allowed" && d.GetProperty("resource").GetString() == "report list");
            }, () => up.Stdout + up.Stderr + restarted.Stdout + restarted.Stderr, TimeSpan.FromSeconds(60));

            // Revoked: refused at St Mary's node (the only node where the doctor can log in), once every node has the block.
            using (var revoke = await back.DeleteAsync($"/api/v1/patients/{patientId}/grants/{grantId}", Ct)) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
            var revoked = (await LocalCluster.HealthAsync(clients[0]))!.Height;
            await LocalCluster.PollAsync("every node has the revocation", async () => (await LocalCluster.HealthAsync(clients)).All(h => h?.Height >= revoked),
                () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
            foreach (var path in new[] { $"/api/v1/patients/{patientId}/entries", $"/api/v1/patients/{patientId}/reports" })
            {
                using var refused = await doctor.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }
            Assert.DoesNotContain(patientId, (await Json(await doctor.GetAsync("/api/v1/patients", Ct))).GetRawText(), StringComparison.Ordinal);

            // With St Mary's organisation key in hand, General Hospital's patient stays closed: St Mary's node holds the
            // replicated category keys, but none of their envelopes opens with that key (the doctor's envelope is the doctor's).
            var stMary = new DataDirectory(Path.Combine(root, Ids[1]));
            using (var orgKeys = UserKeys.FromSecret(DataDirectory.ReadSecret(stMary.OrganisationKeyPath, UserKeys.SecretLength)))
            using (var store = SqliteLedgerStore.OpenReadOnly(stMary.LedgerPath))
            {
                var epochs = store.ReadState($"catkey/{patientId}/").Select(e => CategoryKeyState.TryDecode(e.Value)).OfType<CategoryKeyState>().ToList();
                Assert.NotEmpty(epochs);
                Assert.Contains(epochs, e => e.Reader(KeyReaderKind.Doctor, "dr-stmary") is not null);
                foreach (var epoch in epochs)
                {
                    Assert.Null(epoch.Reader(KeyReaderKind.Organisation, Ids[1]));
                    foreach (var reader in epoch.Readers)
                    {
                        Assert.False(CategoryKeyCrypto.TryOpenForReader(reader.Envelope, orgKeys.Encryption, patientId, (byte)epoch.Category, epoch.Epoch, out _));
                    }
                }
            }

            for (var k = 0; k < Ids.Length; k++)
            {
                if (k == 1) continue;
                using var login = await clients[k].PostAsJsonAsync("/api/v1/auth/token", new { username = "dr-stmary", password = Chosen }, Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode); // the doctor's keys are at St Mary's node only
            }

            // St Mary as an organisation: its doctors read the granted category (reports, not encounters) at its node, its
            // admin still reads nothing; revoked → refused.
            await Json(await back.PostAsJsonAsync($"/api/v1/patients/{patientId}/grants",
                new { granteeKind = "organisation", granteeId = Ids[1], categories = new[] { "reports" }, expiresAt = DateTimeOffset.UtcNow.AddDays(7).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) }, Ct));
            var orgGrantId = (await Json(await back.GetAsync($"/api/v1/patients/{patientId}/grants", Ct))).EnumerateArray()
                .First(g => g.GetProperty("granteeKind").GetString() == "organisation").GetProperty("id").GetString()!;
            await WaitEveryNodeAsync(clients, (await LocalCluster.HealthAsync(clients[0]))!.Height, up);
            Assert.Contains("Full blood count", (await Json(await doctor.GetAsync($"/api/v1/patients/{patientId}/reports", Ct))).GetRawText(), StringComparison.Ordinal);
            using (var notGranted = await doctor.GetAsync($"/api/v1/patients/{patientId}/entries", Ct)) Assert.Equal(HttpStatusCode.Forbidden, notGranted.StatusCode);
            using (var adminRead = await stMaryAdmin.GetAsync($"/api/v1/patients/{patientId}/reports", Ct)) Assert.Equal(HttpStatusCode.Forbidden, adminRead.StatusCode);
            using (var revoke = await back.DeleteAsync($"/api/v1/patients/{patientId}/grants/{orgGrantId}", Ct)) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
            await WaitEveryNodeAsync(clients, (await LocalCluster.HealthAsync(clients[0]))!.Height, up);
            using (var refused = await doctor.GetAsync($"/api/v1/patients/{patientId}/reports", Ct)) Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

            // Issue 15, the same lab flow across organisations: a General Hospital doctor orders a full blood count from City
            // Lab with the patient's consent; City Lab's technician and pathologist work on it at City Lab's node; the doctor
            // reads the flagged report at General Hospital's node; General Hospital's node then charges the patient's account
            // for it (City Lab does not hold the patient's account key), once, priced from what City Lab charged.
            using var cityLabAdmin = await LoginAsync(urls[2], NetworkInitializer.ConsortiumAdmin(Ids[2]), CliProcess.Password);
            await Json(await cityLabAdmin.PutAsJsonAsync("/api/v1/lab/catalogue", Seeding.LabSeeder.Catalogue(), Ct));
            var tech = await Json(await cityLabAdmin.PostAsJsonAsync("/api/v1/staff", new { userId = "lt-city", role = "lab-technician" }, Ct));
            var pathologistOtp = (await Json(await cityLabAdmin.PostAsJsonAsync("/api/v1/staff", new { userId = "pa-city", role = "pathologist" }, Ct))).GetProperty("oneTimePassword").GetString()!;
            using var technician = await FirstLoginAsync(urls[2], "lt-city", tech.GetProperty("oneTimePassword").GetString()!);
            using var pathologist = await FirstLoginAsync(urls[2], "pa-city", pathologistOtp);
            using var orderingDoctor = await LoginAsync(urls[0], "dr-general", Chosen); // General Hospital's node restarted: a new session
            await WaitEveryNodeAsync(clients, (await LocalCluster.HealthAsync(clients[2]))!.Height, up); // City Lab's catalogue reached General Hospital
            var labOrder = new { patientId, tests = new[] { "FBC" }, priority = "urgent", clinicalNote = "Tired and pale.", laboratoryId = Ids[2] };
            using (var noConsent = await orderingDoctor.PostAsJsonAsync("/api/v1/lab/orders", labOrder, Ct))
            {
                Assert.Equal(HttpStatusCode.UnprocessableEntity, noConsent.StatusCode);
                Assert.True((await noConsent.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("laboratoryId", out _));
            }
            await Json(await back.PostAsJsonAsync($"/api/v1/patients/{patientId}/grants",
                new { granteeKind = "organisation", granteeId = Ids[2], categories = new[] { "laboratory" } }, Ct));
            await WaitEveryNodeAsync(clients, (await LocalCluster.HealthAsync(clients[0]))!.Height, up);
            var placed = await Json(await orderingDoctor.PostAsJsonAsync("/api/v1/lab/orders", labOrder, Ct));
            var orderId = placed.GetProperty("id").GetString()!;
            Assert.Equal((Ids[2], "ordered"), (placed.GetProperty("laboratoryId").GetString(), placed.GetProperty("status").GetString()));
            await LocalCluster.PollAsync("City Lab's worklist shows the order", async () =>
            {
                using var answer = await technician.GetAsync("/api/v1/lab/worklist?status=ordered", Ct);
                return answer.IsSuccessStatusCode && (await answer.Content.ReadAsStringAsync(Ct)).Contains(orderId, StringComparison.Ordinal);
            }, () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
            var specimenId = (await Json(await technician.PostAsJsonAsync($"/api/v1/lab/orders/{orderId}/specimen", new { }, Ct))).GetProperty("specimenId").GetString()!;
            await Json(await technician.PostAsJsonAsync($"/api/v1/lab/orders/{orderId}/specimen/receipt", new { specimenId }, Ct));
            await Json(await technician.PostAsJsonAsync($"/api/v1/lab/orders/{orderId}/results", new
            {
                results = new[] { new { code = "HGB", value = 131m, unit = "g/L" }, new { code = "WBC", value = 3.1m, unit = "10*9/L" }, new { code = "PLT", value = 250m, unit = "10*9/L" } },
            }, Ct));
            using (var ownResults = await technician.PostAsJsonAsync($"/api/v1/lab/orders/{orderId}/validate", new { notes = "" }, Ct)) Assert.Equal(HttpStatusCode.Forbidden, ownResults.StatusCode);
            var validated = await Json(await pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{orderId}/validate", new { notes = "Leucopenia; repeat in a week." }, Ct));
            Assert.Equal("validated", validated.GetProperty("status").GetString());
            JsonElement report = default;
            await LocalCluster.PollAsync("General Hospital's node shows the validated report", async () =>
            {
                using var answer = await orderingDoctor.GetAsync($"/api/v1/lab/orders/{orderId}", Ct);
                if (!answer.IsSuccessStatusCode) return false;
                report = await answer.Content.ReadFromJsonAsync<JsonElement>(Ct);
                return report.GetProperty("status").GetString() == "validated";
            }, () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
            Assert.True(report.GetProperty("resultsReady").GetBoolean());
            Assert.Equal(("lt-city", "pa-city", "Leucopenia; repeat in a week."),
                (report.GetProperty("resultsBy").GetString(), report.GetProperty("validatedBy").GetString(), report.GetProperty("reportComment").GetString()));
            Assert.Equal("L", report.GetProperty("report").EnumerateArray().Single(l => l.GetProperty("code").GetString() == "WBC").GetProperty("flag").GetString());
            Assert.Contains(orderId, (await Json(await orderingDoctor.GetAsync("/api/v1/lab/worklist?status=validated", Ct))).GetRawText(), StringComparison.Ordinal);
            // The patient's account at General Hospital shows the laboratory's charge, posted by General Hospital's node.
            var chargeId = $"en-{orderId}";
            JsonElement account = default;
            await LocalCluster.PollAsync("the patient's account at General Hospital shows City Lab's charge", async () =>
            {
                using var answer = await back.GetAsync($"/api/v1/patients/{patientId}/account", Ct);
                if (!answer.IsSuccessStatusCode) return false;
                account = await answer.Content.ReadFromJsonAsync<JsonElement>(Ct);
                return account.GetProperty("lines").EnumerateArray().Any(l => l.GetProperty("entry").GetProperty("id").GetString() == chargeId);
            }, () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
            var charge = Assert.Single(account.GetProperty("lines").EnumerateArray(), l => l.GetProperty("entry").GetProperty("type").GetString() == "charge");
            Assert.Equal((chargeId, 25.50m, $"Full blood count — City Lab (order {orderId})"),
                (charge.GetProperty("entry").GetProperty("id").GetString(), charge.GetProperty("amount").GetDecimal(), charge.GetProperty("entry").GetProperty("service").GetString()));
            Assert.Equal(chargeId, (await Json(await orderingDoctor.GetAsync($"/api/v1/lab/orders/{orderId}", Ct))).GetProperty("chargeEntryId").GetString());
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            restarted?.Terminate();
            up.Terminate();
            await up.WaitForExitAsync(TimeSpan.FromSeconds(30));
            if (restarted is not null) await restarted.WaitForExitAsync(TimeSpan.FromSeconds(30));
            restarted?.Dispose();
        }
    }

    private static Task WaitEveryNodeAsync(List<HttpClient> clients, ulong height, CliProcess up) =>
        LocalCluster.PollAsync($"every node reached height {height}", async () => (await LocalCluster.HealthAsync(clients)).All(h => h?.Height >= height),
            () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));

    // The process of 'healthledger node --data <folder>' started by 'consortium up'.
    private static int NodePid(string folder)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            var data = Array.IndexOf(args, "--data");
            if (args.Contains("node") && data >= 0 && data + 1 < args.Length && args[data + 1] == folder) return pid;
        }
        throw new InvalidOperationException($"no node process for {folder}");
    }

    private static async Task<HttpClient> LoginAsync(Uri url, string user, string password)
    {
        var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(15) };
        using var login = await client.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, Ct);
        Assert.True(login.IsSuccessStatusCode, $"{user}: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync(Ct)}");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString());
        return client;
    }

    private static async Task<HttpClient> FirstLoginAsync(Uri url, string user, string oneTimePassword)
    {
        var client = await LoginAsync(url, user, oneTimePassword);
        using var change = await client.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = oneTimePassword, newPassword = Chosen }, Ct);
        Assert.True(change.IsSuccessStatusCode, await change.Content.ReadAsStringAsync(Ct));
        return client;
    }

    private static async Task<HttpClient> LoginWhenUpAsync(Uri url, string user, string password)
    {
        using var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        await LocalCluster.PollAsync("the node is back", async () => (await LocalCluster.HealthAsync(probe)) is not null, null, TimeSpan.FromSeconds(60));
        return await LoginAsync(url, user, password);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    public void Dispose() => _dir.Dispose();
}
