using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Patients;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// `healthledger import`: a small Synthea-like transaction Bundle (Assets/synthea-small.json: an organisation, a
/// practitioner, 2 patients, 3 encounters, 5 vital-sign, a BMI and a lab Observation, 3 conditions of which one resolved,
/// 2 allergies, 3 medication requests of which one stopped) through the real transaction path.
/// </summary>
public class ImportTests
{
    private static string Asset => Path.Combine(AppContext.BaseDirectory, "Assets", "synthea-small.json");

    private sealed record Snapshot(int Doctors, IReadOnlyList<PatientView> Patients, int Entries, int VitalSets, IReadOnlyList<VitalSignsView> Vitals);

    private static async Task<Snapshot> ReadAsync(string data)
    {
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly }, "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            var organisation = app.Services.GetRequiredService<Node.Security.OrganisationKeys>().Id;
            var patients = app.Services.GetRequiredService<PatientDirectory>().Patients(organisation).OrderBy(p => p.Details.Mrn, StringComparer.Ordinal).ToList();
            var entries = app.Services.GetRequiredService<EntryStore>();
            var vitals = app.Services.GetRequiredService<VitalSignsStore>();
            var doctors = app.Services.GetRequiredService<Node.Doctors.DoctorDirectory>().Doctors(organisation).Count;
            var allVitals = patients.SelectMany(p => vitals.ForPatient(p.Id)).ToList();
            return new Snapshot(doctors, patients, patients.Sum(p => entries.Entries(p.Id).Count), allVitals.Count, allVitals);
        }
    }

    [Fact]
    public async Task Dry_run_writes_nothing_a_run_creates_the_records_and_a_second_run_creates_none()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var before = await ReadAsync(data);
        Assert.Empty(before.Patients);

        // Dry run: the counts per type, the reasons, and nothing written.
        var dry = await CliProcess.RunAsync("import", "--data", data, Asset, "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.Stdout + dry.Stderr);
        Assert.Contains("Dry run: 22 resources in 1 file; 17 would be created, 0 already present, 5 not mapped. Nothing was written.", dry.Stdout);
        Assert.Contains("Observation: a laboratory result without a lab order here (1)", dry.Stdout);
        Assert.Contains("Observation: not a vital sign HealthLedger keeps (LOINC 39156-5) (1)", dry.Stdout);
        Assert.Contains("Condition: Only active conditions are kept in the patient's Conditions list. (1)", dry.Stdout);
        Assert.Contains("MedicationRequest: " + Node.Fhir.Import.FhirImporter.MedicationReason + " (1)", dry.Stdout);
        Assert.Contains("Organization: organisations are not imported", dry.Stdout);
        var afterDry = await ReadAsync(data);
        Assert.Empty(afterDry.Patients);
        Assert.Equal(before.Doctors, afterDry.Doctors);

        // The real run: the same counts, created.
        var run = await CliProcess.RunAsync(TimeSpan.FromMinutes(4), "import", "--data", data, Asset);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("Imported 22 resources from 1 file: 17 created, 0 already present, 5 not mapped.", run.Stdout);
        Assert.Contains("2 patients were registered with a login whose one-time password is not shown", run.Stdout);
        var imported = await ReadAsync(data);
        Assert.Equal(before.Doctors + 1, imported.Doctors);
        Assert.Equal(["SYN-0001", "SYN-0002"], imported.Patients.Select(p => p.Details.Mrn));
        var ana = imported.Patients[0].Details;
        Assert.Equal("Ana Testperson", ana.FullName);
        Assert.Equal(new DateOnly(1980, 4, 12), ana.DateOfBirth);
        Assert.Equal(["Essential hypertension (disorder)"], ana.Conditions);
        Assert.Equal("Allergy to peanuts", ana.Allergies);
        Assert.Equal(["Prediabetes (finding)"], imported.Patients[1].Details.Conditions);
        // Active medication requests become the medication history (as reported); the stopped one does not.
        Assert.Equal(["lisinopril 10 MG Oral Tablet"], ana.Medications);
        Assert.Equal(["metformin 500 MG Oral Tablet"], imported.Patients[1].Details.Medications);
        Assert.Equal(3, imported.Entries);
        Assert.Equal(2, imported.VitalSets);
        var set = Assert.Single(imported.Vitals, v => v.PatientId == imported.Patients[0].Id);
        Assert.Equal((128, 82, 72, 68.2m), (set.Details.SystolicMmHg, set.Details.DiastolicMmHg, set.Details.HeartRate, set.Details.WeightKg));
        Assert.Equal(DateTimeOffset.Parse("2020-03-01T10:05:00Z", System.Globalization.CultureInfo.InvariantCulture), set.Details.TakenAt);

        // A second run finds every record again and creates nothing.
        var again = await CliProcess.RunAsync(TimeSpan.FromMinutes(4), "import", "--data", data, Asset);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("Imported 22 resources from 1 file: 0 created, 17 already present, 5 not mapped.", again.Stdout);
        var after = await ReadAsync(data);
        Assert.Equal(imported.Patients.Select(p => (p.Id, p.Version)), after.Patients.Select(p => (p.Id, p.Version)));
        Assert.Equal((imported.Doctors, imported.Entries, imported.VitalSets), (after.Doctors, after.Entries, after.VitalSets));

        // A folder with a bad file: one line, a non-zero exit, and nothing written (not even the good file's new patient).
        var folder = dir.Combine("bad");
        Directory.CreateDirectory(folder);
        var text = await File.ReadAllTextAsync(Asset, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "a-good.json"), text.Replace("SYN-0002", "SYN-0003", StringComparison.Ordinal)
            .Replace("a1b2c3d4-0000-4000-8000-000000000002", "a1b2c3d4-0000-4000-8000-000000000003", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "b-bad.json"), "{\"resourceType\": \"Bundle\", \"type\": \"transaction\", \"entry\": [ {\"resource\": {\"resourceType\": \"Patient\", \"gender\": 7} } ]}",
            TestContext.Current.CancellationToken);
        var bad = await CliProcess.RunAsync("import", "--data", data, folder);
        Assert.Equal(2, bad.ExitCode);
        var line = Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: nothing imported: b-bad.json: ", line);
        Assert.Equal(2, (await ReadAsync(data)).Patients.Count);
    }

    [Fact]
    public async Task Import_refuses_with_one_line_while_the_folders_node_is_running_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        // A node of the folder is up (it holds node.lock from its start-up check on): the command must not touch the folder.
        var node = NodeHost.Build(new NodeOptions { DataDirectory = data, PasswordHashing = Argon2Parameters.TestOnly }, "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await using (node)
        {
            var refused = await CliProcess.RunAsync("import", "--data", data, Asset);
            Assert.NotEqual(0, refused.ExitCode);
            var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains("node.lock is held", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Imported", refused.Stdout, StringComparison.Ordinal);
        }
        Assert.Empty((await ReadAsync(data)).Patients);
    }
}
