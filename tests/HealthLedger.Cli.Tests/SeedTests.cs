using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Patients;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Cli.Tests;

/// <summary>`healthledger seed` writes through the real path and leaves no PHI in clear anywhere in the data folder.</summary>
public class SeedTests
{
    [Fact]
    public async Task An_option_that_only_applies_with_scale_is_refused_without_it_and_nothing_is_written()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var before = Directory.GetFiles(data, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        var seed = await CliProcess.RunAsync("seed", "--data", data, "--entries", "5");

        Assert.Equal(2, seed.ExitCode);
        Assert.Equal("error: --entries only applies with --scale", seed.Stderr.Trim());
        Assert.Equal(before, Directory.GetFiles(data, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    // Break-it (2026-12-06): "seed --admin nobody" printed the node's log warning ("Login refused: unknown user") before its
    // error; and verify of a cleanly stopped folder left empty ledger.db-wal / -shm files behind (a read-only SQLite
    // connection makes them and cannot remove them).
    [Fact]
    public async Task Seed_as_an_unknown_admin_is_one_line_and_verify_leaves_no_files_behind()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var seed = await CliProcess.RunAsync("seed", "--data", data, "--admin", "nobody");
        Assert.Equal(2, seed.ExitCode);
        Assert.Equal($"error: admin login failed: user 'nobody' has no login in {data} (a network's first admin is 'admin'; a consortium's organisations' are " +
            "'admin.<organisation id>'; 'init' and 'consortium up' print them)", seed.Stderr.Trim());
        Assert.Equal("", seed.Stdout.Trim());

        // The admin's id in another case is the admin (as at the login page): a wrong password is then said to be that.
        var wrong = await CliProcess.RunAsync(new Dictionary<string, string?> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = "not-the-password" }, "seed", "--data", data, "--admin", "ADMIN");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Equal("error: admin login failed: The user name or password is not correct.", wrong.Stderr.Trim());
        Assert.Equal("", seed.Stdout.Trim());

        // The node seed started stopped cleanly: no write-ahead log is left, and verify leaves none either.
        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.DoesNotContain(files, f => f.EndsWith("-wal", StringComparison.Ordinal) || f.EndsWith("-shm", StringComparison.Ordinal));

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Equal(files, Directory.GetFiles(data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Seeded_data_is_nowhere_in_plaintext_and_the_chain_verifies()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var seed = await CliProcess.RunAsync("seed", "--data", data, "--patients", "25", "--seed", "7");
        Assert.True(seed.ExitCode == 0, seed.Stdout + seed.Stderr);
        Assert.Contains("25 patients", seed.Stdout);
        Assert.Contains("Seeded the laboratory: 12 lab orders", seed.Stdout);
        Assert.Contains("a formulary of 10 drugs with 20 stock batches", seed.Stdout);
        Assert.Contains("Seeded prescriptions: 6 prescriptions (1 with an allergy override), 5 dispenses.", seed.Stdout);
        Assert.Contains("Seeded the accounts: 6 expenses and 4 budgets.", seed.Stdout);

        // Read the plaintext back through the node (decrypting with the organisation's key) to know what to look for.
        var secrets = new List<string>();
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly }, "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            var entries = app.Services.GetRequiredService<EntryStore>();
            var patients = app.Services.GetRequiredService<PatientDirectory>().Patients(app.Services.GetRequiredService<Node.Security.OrganisationKeys>().Id);
            Assert.Equal(25, patients.Count);
            foreach (var p in patients)
            {
                secrets.AddRange([p.Details.FullName, p.Details.Address, p.Details.Phone, p.Details.Email, p.Details.Mrn, .. p.Details.Conditions]);
                secrets.AddRange(entries.Entries(p.Id).Select(e => e.Details.Reason).Where(r => r.Length > 0));
            }
            // Lab orders: clinical notes are sealed; every order of the seed is readable back through the node.
            var orders = app.Services.GetRequiredService<Node.Laboratory.LabOrderStore>().Where(_ => true);
            Assert.Equal(12, orders.Count);
            Assert.Contains(orders, o => o.Status == LabOrderStatus.Validated);
            secrets.AddRange(orders.Select(o => o.Order.ClinicalNote));
            // Expenses: vendors and descriptions are sealed; one above the threshold awaits a second admin.
            var expenses = app.Services.GetRequiredService<Node.Expenses.ExpenseStore>().Expenses(app.Services.GetRequiredService<Node.Security.OrganisationKeys>().Id);
            Assert.Equal(6, expenses.Count);
            Assert.Single(expenses, x => x.Status == ExpenseStatus.PendingApproval);
            secrets.AddRange(expenses.SelectMany(x => new[] { x.Details.Vendor, x.Details.Description }));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        secrets = secrets.Where(s => s.Length >= 5).Distinct().ToList();
        Assert.True(secrets.Count > 75, $"only {secrets.Count} strings to look for");

        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("ledger.db-wal", StringComparison.Ordinal) || f.EndsWith("ledger.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
            foreach (var secret in secrets)
            {
                Assert.False(Contains(bytes, System.Text.Encoding.UTF8.GetBytes(secret)), $"'{secret}' found in clear in {Path.GetFileName(file)}");
                Assert.False(Contains(bytes, System.Text.Encoding.Unicode.GetBytes(secret)), $"'{secret}' found in clear (UTF-16) in {Path.GetFileName(file)}");
            }
        }
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, seed.Stdout + seed.Stderr);
        }

        // The same seed again is refused at once with one line, and writes nothing.
        var again = await CliProcess.RunAsync("seed", "--data", data, "--patients", "25", "--seed", "7");
        Assert.Equal(2, again.ExitCode);
        Assert.Equal("error: nothing seeded: no doctor could be registered (This id is already taken); a folder seeded with --seed 7 before takes another --seed",
            again.Stderr.Trim());
        Assert.DoesNotContain("Seeded", again.Stdout, StringComparison.Ordinal);

        await SeededDataIsVisibleThroughTheApiAsync(data);

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout);
    }

    // The node over the seeded folder answers the admin through its API: lab orders at every stage (a validated one flagged),
    // the pharmacy's alerts (a batch near expiry, a drug at its reorder level), prescriptions with the allergy override and dispenses.
    private static async Task SeededDataIsVisibleThroughTheApiAsync(string data)
    {
        var ct = TestContext.Current.CancellationToken;
        var url = $"http://127.0.0.1:{Ports.Free()}";
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly }, url, l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            using (var login = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, ct))
            {
                Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync(ct));
                http.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("accessToken").GetString());
            }
            async Task<JsonElement> Get(string path)
            {
                using var answer = await http.GetAsync(path, ct);
                var body = await answer.Content.ReadAsStringAsync(ct);
                Assert.True(answer.IsSuccessStatusCode, $"GET {path}: {(int)answer.StatusCode} {body}");
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            var orders = (await Get("/api/v1/lab/worklist")).EnumerateArray().ToList();
            Assert.Equal(12, orders.Count);
            Assert.Equal(["collected", "ordered", "received", "resulted", "validated"], orders.Select(o => o.GetProperty("status").GetString()).Distinct().Order(StringComparer.Ordinal));
            foreach (var validated in orders.Where(o => o.GetProperty("status").GetString() == "validated"))
            {
                var report = await Get($"/api/v1/lab/orders/{validated.GetProperty("id").GetString()}");
                Assert.Contains(report.GetProperty("report").EnumerateArray(), l => l.GetProperty("flag").GetString() == "H");
                Assert.NotEqual("", report.GetProperty("chargeEntryId").GetString());
            }

            Assert.Equal(10, (await Get("/api/v1/pharmacy/drugs")).GetArrayLength());
            var alerts = (await Get("/api/v1/pharmacy/alerts")).EnumerateArray().ToList();
            var nearExpiry = Assert.Single(alerts, a => a.GetProperty("kind").GetString() == "near-expiry");
            Assert.StartsWith("Amoxicillin", nearExpiry.GetProperty("drug").GetString(), StringComparison.Ordinal);
            Assert.Contains(alerts, a => a.GetProperty("kind").GetString() == "low-stock" && a.GetProperty("drug").GetString()!.StartsWith("Morphine sulfate", StringComparison.Ordinal));

            var prescriptions = new List<JsonElement>();
            foreach (var patient in (await Get("/api/v1/patients?pageSize=100")).GetProperty("items").EnumerateArray())
            {
                prescriptions.AddRange((await Get($"/api/v1/patients/{patient.GetProperty("id").GetString()}/prescriptions")).EnumerateArray());
            }
            Assert.Equal(6, prescriptions.Count);
            var overridden = Assert.Single(prescriptions, p => p.GetProperty("overrideReason").GetString()!.Length > 0);
            Assert.Equal(Seeding.PrescriptionSeeder.OverrideReason, overridden.GetProperty("overrideReason").GetString());
            Assert.NotEmpty(overridden.GetProperty("allergyWarnings").EnumerateArray());
            Assert.Equal("Amoxicillin 500 mg capsule", overridden.GetProperty("drug").GetString());
            // Dispensed first expiry first out: from the near-expiry batch; the charge is on the patient's account.
            var dispense = Assert.Single(overridden.GetProperty("dispenses").EnumerateArray());
            Assert.Equal(nearExpiry.GetProperty("batchId").GetString(), Assert.Single(dispense.GetProperty("lines").EnumerateArray()).GetProperty("batchId").GetString());
            var account = await Get($"/api/v1/patients/{overridden.GetProperty("patientId").GetString()}/account");
            Assert.Contains(account.GetProperty("lines").EnumerateArray(), l => l.GetRawText().Contains("Pharmacy: Amoxicillin", StringComparison.Ordinal));
            Assert.Equal(5, prescriptions.Sum(p => p.GetProperty("dispenses").GetArrayLength()));
            Assert.Contains(prescriptions, p => p.GetProperty("dispensed").GetInt32() > 0 && p.GetProperty("dispensed").GetInt32() < p.GetProperty("quantity").GetInt32()); // a partial fill
            Assert.Contains(prescriptions, p => p.GetProperty("dispensed").GetInt32() == 0); // one left on the worklist
            Assert.Equal(5, (await Get("/api/v1/pharmacy/movements")).EnumerateArray().Count(m => m.GetProperty("kind").GetString() == "dispense"));
            await app.StopAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
