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

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
