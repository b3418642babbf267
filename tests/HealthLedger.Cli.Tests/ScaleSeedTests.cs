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

/// <summary>`healthledger seed --scale` (the scale study's bulk generator) commits what it says through the real path.</summary>
public class ScaleSeedTests
{
    [Fact]
    public async Task Ctrl_C_says_what_had_committed_in_one_line_exits_130_and_leaves_a_chain_that_verifies()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        using (var seed = CliProcess.Start("seed", "--scale", "--data", data, "--patients", "100000"))
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
            {
                timeout.CancelAfter(TimeSpan.FromMinutes(1));
                while (!seed.Stdout.Contains("Patients submitted", StringComparison.Ordinal))
                {
                    Assert.False(seed.HasExited, seed.Stdout + seed.Stderr);
                    await Task.Delay(100, timeout.Token);
                }
            }
            await Task.Delay(1000, TestContext.Current.CancellationToken); // into the first chunk
            seed.Interrupt();
            await seed.WaitForExitAsync(TimeSpan.FromMinutes(2)); // a bound, not a pause: generous for a loaded machine
            Assert.Equal(130, seed.ExitCode);
            Assert.Matches(@"^interrupted: \d+ patients and \d+ entries had committed \(with 20 doctors\); transactions already submitted may still commit as the node stops; " +
                "a seed with the same --seed is refused: use another$", seed.Stderr.Trim());
        }
        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }

    [Fact]
    public async Task Scale_seed_commits_every_patient_and_entry_sealed_without_logins_and_the_chain_verifies()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        // 1,500 patients span two chunks (ScaleSeeder.ChunkPatients): the second chunk's entries follow the first's registrations.
        var seed = await CliProcess.RunAsync(TimeSpan.FromMinutes(4), "seed", "--scale", "--data", data, "--patients", "1500", "--entries", "4503", "--seed", "3");
        Assert.True(seed.ExitCode == 0, seed.Stdout + seed.Stderr);
        Assert.Contains("Seeded 1500 patients (no logins) and 4503 entries with 3 doctors: 7503 transactions committed", seed.Stdout, StringComparison.Ordinal);

        var names = new List<string>();
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly }, "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            var patients = app.Services.GetRequiredService<PatientDirectory>().Patients(app.Services.GetRequiredService<Node.Security.OrganisationKeys>().Id);
            Assert.Equal(1500, patients.Count);
            var entries = app.Services.GetRequiredService<EntryStore>();
            var perPatient = patients.Select(p => entries.Entries(p.Id)).ToList();
            Assert.Equal(4503, perPatient.Sum(e => e.Count));
            // Spread over every patient (3 each, the first 3 one more), visits by the seeded doctors, no account in credit.
            Assert.All(perPatient, e => Assert.InRange(e.Count, 3, 4));
            Assert.All(perPatient.SelectMany(e => e).Where(e => e.Type == EntryType.Visit), e => Assert.StartsWith("dr-scale-", e.DoctorId, StringComparison.Ordinal));
            Assert.All(perPatient, e => Assert.True(e.Sum(x => x.Details.AccountEffect(x.Type)) >= 0));
            // Patients without logins: the keystore holds the admin and the doctors only.
            var logins = app.Services.GetRequiredService<Storage.Keystore>().UserIds().ToHashSet(StringComparer.Ordinal);
            Assert.Equal(4, logins.Count);
            Assert.DoesNotContain(patients, p => logins.Contains(p.Id));
            // Every name is indexed (the break-glass lookup): the generator's own IndexPatient, not the node's sweep.
            var node = app.Services.GetRequiredService<Node.Ledger.LedgerNode>();
            Assert.All(patients.Take(50), p => Assert.NotNull(node.GetState(PatientIndexState.Key(p.Id))));
            names.AddRange(patients.Take(200).Select(p => p.Details.Email));
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(data, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
            foreach (var name in names) Assert.False(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(name)) >= 0, $"'{name}' found in clear in {Path.GetFileName(file)}");
        }

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.StartsWith("OK:", verify.Stdout.Trim().Split('\n')[^1], StringComparison.Ordinal);

        // The same seed again is refused at once with one line (its doctors' ids are taken), and writes nothing.
        var again = await CliProcess.RunAsync("seed", "--scale", "--data", data, "--patients", "5", "--seed", "3");
        Assert.Equal(2, again.ExitCode);
        Assert.StartsWith("error: nothing seeded: doctor 1 was refused", again.Stderr.Trim(), StringComparison.Ordinal);
    }
}
