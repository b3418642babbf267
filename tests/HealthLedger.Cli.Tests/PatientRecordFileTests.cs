using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Security;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Cli.Tests;

/// <summary>`verify-file` on a whole-record printout, offline: the printout the node issued is named (patient, snapshot block, recording), a changed copy is not.</summary>
public class PatientRecordFileTests
{
    [Fact]
    public async Task Verify_file_recognises_a_whole_record_printout_and_rejects_a_changed_copy()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        string patientId;
        ulong snapshot;
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly, BatchDelay = TimeSpan.FromMilliseconds(5) },
            "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            await app.StartAsync(ct);
            var admin = app.Services.GetRequiredService<AccountService>().Login("admin", CliProcess.Password).Session!;
            var patient = (await app.Services.GetRequiredService<PatientService>().RegisterAsync(admin, new PatientInput { Mrn = "M-1", FullName = "Pia Test", DateOfBirth = new DateOnly(1990, 1, 1), Gender = "female" }, ct)).Value!;
            patientId = patient.Id;
            var charge = await app.Services.GetRequiredService<EncounterService>().AddAsync(admin, patientId, new EntryInput
            {
                Type = "charge",
                OccurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                Service = "Consultation",
                Quantity = 1,
                UnitPrice = 40,
            }, ct);
            Assert.True(charge.IsOk, charge.Message);
            snapshot = app.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Tip.Height;
            var printed = await app.Services.GetRequiredService<PatientRecordPrintouts>().PrintAsync(admin, patientId, "https://hospital.example/verify", ct);
            Assert.True(printed.IsOk, printed.Message);
            await File.WriteAllBytesAsync(dir.Combine("record.pdf"), printed.Value!.Pdf, ct);
            var changed = printed.Value.Pdf.ToArray();
            changed[changed.Length / 3] ^= 1;
            await File.WriteAllBytesAsync(dir.Combine("changed.pdf"), changed, ct);
            await app.StopAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var match = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("record.pdf"));
        Assert.Equal(0, match.ExitCode);
        // The snapshot is the tip when printed: at least the height after the charge (a disclosure batch may have committed since).
        var named = System.Text.RegularExpressions.Regex.Match(match.Stdout, $@"MATCH: record\.pdf is a printout of the whole record of patient {patientId} as of block (?<h>\d+), recorded in block \d+ at ");
        Assert.True(named.Success, match.Stdout);
        Assert.True(ulong.Parse(named.Groups["h"].Value, System.Globalization.CultureInfo.InvariantCulture) >= snapshot, match.Stdout);
        var none = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("changed.pdf"));
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith("NO MATCH", none.Stdout);
    }
}
