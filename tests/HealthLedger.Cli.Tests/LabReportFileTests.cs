using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Security;
using HealthLedger.Node.Staff;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Cli.Tests;

/// <summary>`verify-file` on a lab report printout, offline: the printout the node issued is named, a changed copy is not.</summary>
public class LabReportFileTests
{
    [Fact]
    public async Task Verify_file_recognises_a_lab_report_printout_and_rejects_a_changed_copy()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        string orderId;
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly, BatchDelay = TimeSpan.FromMilliseconds(5) },
            "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            await app.StartAsync(ct);
            var accounts = app.Services.GetRequiredService<AccountService>();
            var lab = app.Services.GetRequiredService<LabService>();
            var admin = accounts.Login("admin", CliProcess.Password).Session!;
            var doctor = (await app.Services.GetRequiredService<DoctorService>().RegisterAsync(admin, new DoctorInput { DoctorId = "dr-lab", Name = "Lab Doc", Specialty = "Medicine", Department = "Ward", LicenceNumber = "L9" }, ct)).Value!;
            var patient = (await app.Services.GetRequiredService<PatientService>().RegisterAsync(admin, new PatientInput { Mrn = "M-1", FullName = "Pia Test", DateOfBirth = new DateOnly(1990, 1, 1), Gender = "female" }, ct)).Value!;
            Assert.True((await app.Services.GetRequiredService<EncounterService>().AddAsync(admin, patient.Id, new EntryInput { Type = "visit", OccurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture), DoctorId = "dr-lab", Notes = "Bloods." }, ct)).IsOk);
            var catalogue = await lab.SaveCatalogueAsync(admin, new LabCatalogueInput
            {
                Version = 0,
                Tests = [new LabTest { Code = "HGB", Loinc = "718-7", Name = "Haemoglobin", SpecimenType = "whole blood", Unit = "g/L", PossibleLow = 10, PossibleHigh = 250, Price = 5, TurnaroundHours = 4,
                    ReferenceRanges = [new ReferenceRange { Low = 120, High = 160 }] }],
            }, null, ct);
            Assert.True(catalogue.IsOk, catalogue.Message);
            var technician = (await app.Services.GetRequiredService<StaffService>().RegisterAsync(admin, new StaffInput { UserId = "lt-one", Role = "lab-technician" }, ct)).Value!;
            var pathologist = (await app.Services.GetRequiredService<StaffService>().RegisterAsync(admin, new StaffInput { UserId = "pa-one", Role = "pathologist" }, ct)).Value!;
            var doc = accounts.Login("dr-lab", doctor.OneTimePassword!).Session!;
            var tech = accounts.Login("lt-one", technician.OneTimePassword!).Session!;
            var path = accounts.Login("pa-one", pathologist.OneTimePassword!).Session!;

            var order = await lab.PlaceAsync(doc, new LabOrderInput { PatientId = patient.Id, Tests = ["HGB"] }, ct);
            Assert.True(order.IsOk, order.Message);
            orderId = order.Value!.Id;
            Assert.True((await lab.CollectAsync(tech, orderId, new LabSpecimenInput { SpecimenId = "sp-cli-1" }, ct)).IsOk);
            Assert.True((await lab.ReceiveAsync(tech, orderId, new LabSpecimenInput { SpecimenId = "sp-cli-1" }, ct)).IsOk);
            Assert.True((await lab.EnterResultsAsync(tech, orderId, new LabResultsInput { Results = [new LabResultValue { Code = "HGB", Value = 95, Unit = "g/L" }] }, ct)).IsOk);
            Assert.True((await lab.ValidateAsync(path, orderId, new LabValidationInput(), ct)).IsOk);
            var printed = await lab.PrintAsync(doc, orderId, "https://hospital.example/verify", ct);
            Assert.True(printed.IsOk, printed.Message);
            await File.WriteAllBytesAsync(dir.Combine("lab-report.pdf"), printed.Value!.Pdf, ct);
            var changed = printed.Value.Pdf.ToArray();
            changed[changed.Length / 3] ^= 1;
            await File.WriteAllBytesAsync(dir.Combine("changed.pdf"), changed, ct);
            await app.StopAsync(ct);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var match = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("lab-report.pdf"));
        Assert.Equal(0, match.ExitCode);
        Assert.Contains($"MATCH: lab-report.pdf is a printout of the lab report of order {orderId} version 5, validated by pa-one", match.Stdout);
        Assert.DoesNotContain("SUPERSEDED", match.Stdout);
        var none = await CliProcess.RunAsync("verify-file", "--data", data, dir.Combine("changed.pdf"));
        Assert.Equal(1, none.ExitCode);
        Assert.StartsWith("NO MATCH", none.Stdout);
    }
}
