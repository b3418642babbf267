using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Security;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Cli.Tests;

/// <summary>`verify-file` and `verify` on report files, offline, against real data written through the node's services.</summary>
public class ReportFileTests
{
    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8, .. Enumerable.Range(0, 70_000).Select(i => (byte)(i % 253)), .. "\n%%EOF"u8];

    [Fact]
    public async Task Verify_file_names_the_report_and_verify_names_a_changed_document()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        string reportId;
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly, BatchDelay = TimeSpan.FromMilliseconds(5) },
            "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
            var ct = TestContext.Current.CancellationToken;
            var accounts = app.Services.GetRequiredService<AccountService>();
            var patients = app.Services.GetRequiredService<PatientService>();
            var doctors = app.Services.GetRequiredService<DoctorService>();
            var encounters = app.Services.GetRequiredService<EncounterService>();
            var admin = accounts.Login("admin", CliProcess.Password).Session!;
            var doctor = (await doctors.RegisterAsync(admin, new DoctorInput { DoctorId = "dr-lab", Name = "Lab Doc", Specialty = "Pathology", Department = "Lab", LicenceNumber = "L9" }, ct)).Value!;
            var patient = (await patients.RegisterAsync(admin, new PatientInput { Mrn = "M-1", FullName = "Pia Test", DateOfBirth = new DateOnly(1990, 1, 1), Gender = "female" }, ct)).Value!;
            Assert.True((await encounters.AddAsync(admin, patient.Id, new EntryInput { Type = "visit", OccurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture), DoctorId = "dr-lab", Notes = "Bloods." }, ct)).IsOk);
            var session = accounts.Login("dr-lab", doctor.OneTimePassword!).Session!;
            await using var stream = new MemoryStream(Pdf);
            var added = await app.Services.GetRequiredService<ReportService>().AddAsync(session, patient.Id,
                new ReportInput { Type = "document", Title = "External lab PDF" }, new UploadedFile(stream, "lab.pdf", "application/pdf"), null, ct);
            Assert.True(added.IsOk, added.Message);
            reportId = added.Value!.Id;
            await app.StopAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var copy = dir.Combine("copy.pdf");
        await File.WriteAllBytesAsync(copy, Pdf, TestContext.Current.CancellationToken);
        var match = await CliProcess.RunAsync("verify-file", "--data", data, copy);
        Assert.Equal(0, match.ExitCode);
        Assert.Contains($"MATCH: copy.pdf is report {reportId} version 1", match.Stdout);
        Assert.Contains("signed by dr-lab", match.Stdout);

        var changed = Pdf.ToArray();
        changed[100] ^= 1;
        await File.WriteAllBytesAsync(copy, changed, TestContext.Current.CancellationToken);
        var none = await CliProcess.RunAsync("verify-file", "--data", data, copy);
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith("NO MATCH", none.Stdout);

        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
        var stored = Directory.GetFiles(Path.Combine(data, "documents"), "*", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(stored, TestContext.Current.CancellationToken);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Pdf.AsSpan(0, 64))); // no plaintext in the store
        bytes[^5] ^= 1;
        await File.WriteAllBytesAsync(stored, bytes, TestContext.Current.CancellationToken);
        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("document", verify.Stdout);
        Assert.Contains("was changed", verify.Stdout);
    }

    [Fact]
    public async Task Verify_file_recognises_a_printout_the_node_issued_and_says_when_it_is_superseded()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        string reportId, oneTimePassword;
        byte[] printout;
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly, BatchDelay = TimeSpan.FromMilliseconds(5) },
            "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            await app.StartAsync(ct);
            var accounts = app.Services.GetRequiredService<AccountService>();
            var patients = app.Services.GetRequiredService<PatientService>();
            var doctors = app.Services.GetRequiredService<DoctorService>();
            var reports = app.Services.GetRequiredService<ReportService>();
            var admin = accounts.Login("admin", CliProcess.Password).Session!;
            var doctor = (await doctors.RegisterAsync(admin, new DoctorInput { DoctorId = "dr-lab", Name = "Lab Doc", Specialty = "Pathology", Department = "Lab", LicenceNumber = "L9" }, ct)).Value!;
            var patient = (await patients.RegisterAsync(admin, new PatientInput { Mrn = "M-1", FullName = "Pia Test", DateOfBirth = new DateOnly(1990, 1, 1), Gender = "female" }, ct)).Value!;
            Assert.True((await app.Services.GetRequiredService<EncounterService>().AddAsync(admin, patient.Id, new EntryInput { Type = "visit", OccurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture), DoctorId = "dr-lab", Notes = "Bloods." }, ct)).IsOk);
            oneTimePassword = doctor.OneTimePassword!;
            var session = accounts.Login("dr-lab", oneTimePassword).Session!;
            var added = await reports.AddAsync(session, patient.Id, new ReportInput { Type = "imaging", Title = "Chest X-ray", Summary = "Clear." }, null, null, ct);
            Assert.True(added.IsOk, added.Message);
            reportId = added.Value!.Id;
            var printed = await reports.PrintAsync(session, reportId, null, "https://hospital.example/verify", ct);
            Assert.True(printed.IsOk, printed.Message);
            printout = printed.Value!.Pdf;
            await File.WriteAllBytesAsync(dir.Combine("printout.pdf"), printout, ct);

            var changed = printout.ToArray();
            changed[changed.Length / 3] ^= 1;
            await File.WriteAllBytesAsync(dir.Combine("changed.pdf"), changed, ct);
            await app.StopAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var match = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("printout.pdf"));
        Assert.Equal(0, match.ExitCode);
        Assert.Contains($"MATCH: printout.pdf is a printout of report {reportId} version 1", match.Stdout);
        Assert.DoesNotContain("SUPERSEDED", match.Stdout);
        var none = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("changed.pdf"));
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith("NO MATCH", none.Stdout);

        var again = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly, BatchDelay = TimeSpan.FromMilliseconds(5) },
            "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (again)
        {
            await again.StartAsync(ct);
            var session = again.Services.GetRequiredService<AccountService>().Login("dr-lab", oneTimePassword).Session!;
            var amended = await again.Services.GetRequiredService<ReportService>().AmendAsync(session, reportId,
                new ReportInput { Title = "Chest X-ray", Summary = "Small effusion.", AmendmentReason = "Second read" }, null, ct);
            Assert.True(amended.IsOk, amended.Message);
            await again.StopAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var superseded = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("printout.pdf"));
        Assert.Equal(0, superseded.ExitCode);
        Assert.Contains("SUPERSEDED by version 2", superseded.Stdout);
    }
}
