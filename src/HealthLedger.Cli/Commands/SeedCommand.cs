using System.CommandLine;
using HealthLedger.Cli.Seeding;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Security;
using HealthLedger.Node.Staff;
using HealthLedger.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace HealthLedger.Cli.Commands;

internal static class SeedCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var patients = new Option<int>("--patients", "-n") { Description = "How many patients, 1 to 100000 (default 200)", DefaultValueFactory = _ => 200 }.WholeNumber(1, 100_000);
        var doctors = new Option<int?>("--doctors") { Description = "How many doctors, 1 to 10000 (default: one per 10 patients, at least 5; with --scale one per 2,000 patients, 3 to 20)" }.WholeNumber(1, 10_000);
        var seed = new Option<int>("--seed") { Description = "Random seed, for the same data every time (default 1)", DefaultValueFactory = _ => 1 }.WholeNumber(int.MinValue, int.MaxValue);
        var scale = new Option<bool>("--scale")
        {
            Description = "Scale study: patients without logins (no Argon2id) and --entries visits, charges and payments spread over them, signed in the load " +
                "nonce lane and pushed through the node's door in bulk (sealing and signing on every core); no laboratory, pharmacy or expenses",
        };
        var entries = new Option<long>("--entries", "-m") { Description = "Only with --scale: how many entries in all, 0 to 100000000 (default 20 per patient)" }.WholeNumber(0, 100_000_000);
        var admin = CommonOptions.Admin();
        var command = new Command("seed",
            "Fill a stopped node's network with realistic synthetic doctors, patients, encounters, accounts, lab orders, a pharmacy formulary " +
            "with stock, prescriptions and dispenses through the real " +
            $"transaction path (signed as the admin; needs {CommonOptions.PasswordVariable}). All personal data is synthetic and stored encrypted.")
        { data, patients, doctors, seed, scale, entries, admin };
        command.SetAction(async (parse, ct) =>
        {
            // An option that only --scale reads is a mistake without it, not something to ignore.
            if (!parse.GetValue(scale) && parse.GetResult(entries) is not null) return CommonOptions.Fail("--entries only applies with --scale");
            try
            {
                return parse.GetValue(scale)
                    ? await RunScale(parse.GetValue(data)!, parse.GetValue(patients), parse.GetResult(entries) is null ? null : parse.GetValue(entries), parse.GetValue(doctors),
                        parse.GetValue(seed), parse.GetValue(admin)!, ct)
                    : await Run(parse.GetValue(data)!, parse.GetValue(patients), parse.GetValue(doctors), parse.GetValue(seed), parse.GetValue(admin)!, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Interrupted("what committed before it stays; a seed with the same --seed may be refused (its doctors' ids are taken): use another");
            }
        });
        return command;
    }

    /// <summary>Ctrl+C: one line on stderr saying what was left, and exit code 130 (as a shell gives a command ended by SIGINT).</summary>
    private static int Interrupted(string what)
    {
        Console.Error.WriteLine($"interrupted: {what}");
        return 130;
    }

    private static async Task<int> Run(string data, int patients, int? doctors, int seed, string adminUser, CancellationToken ct)
    {
        if (patients is < 1 or > 100_000) return CommonOptions.Fail("--patients must be between 1 and 100000");
        return await WithAdminAsync(data, adminUser, async (app, admin) =>
        {
            // User ids are network-wide: in a consortium each organisation's doctors get ids of their own (dr-<organisation>-…).
            var organisations = app.Services.GetRequiredService<LedgerNode>().GetState(Core.Model.StateKeys.Organisations) is { } ids
                ? Core.Model.IdList.TryDecode(ids, Core.Governance.Consortium.MaxOrganisations)?.Count ?? 1 : 1;
            var seeder = new DemoSeeder(app.Services.GetRequiredService<PatientService>(), app.Services.GetRequiredService<DoctorService>(),
                app.Services.GetRequiredService<EncounterService>(), admin, seed, organisations > 1 ? $"dr-{admin.OrganisationId[..Math.Min(admin.OrganisationId.Length, 30)]}" : "dr");
            DemoSeeder.Result result = null!;
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Seeding patients", maxValue: patients);
                result = await seeder.RunAsync(patients, doctors ?? Math.Max(5, patients / 10), done => task.Value = done, ct);
            });
            if (result.Refused is { } refused) return CommonOptions.Fail($"nothing seeded: {refused}; a folder seeded with --seed {seed} before takes another --seed");
            Console.WriteLine($"Seeded {result.Doctors} doctors, {result.Patients.Count} patients and {result.Entries} entries" +
                (result.Failures > 0 ? $"; {result.Failures} writes failed" : "") + ".");
            // The laboratory: a catalogue, its staff and lab orders in every status for the first patients (by id).
            var prefix = organisations > 1 ? $"{admin.OrganisationId[..Math.Min(admin.OrganisationId.Length, 30)]}" : "demo";
            var labSeeder = new LabSeeder(app.Services.GetRequiredService<LabService>(), app.Services.GetRequiredService<StaffService>(),
                app.Services.GetRequiredService<DoctorService>(), app.Services.GetRequiredService<EncounterService>(),
                app.Services.GetRequiredService<AccountService>(), admin, seed, prefix);
            var patientIds = app.Services.GetRequiredService<PatientDirectory>().Patients(admin.OrganisationId).Select(p => p.Id).Order(StringComparer.Ordinal).ToList();
            var labResult = await labSeeder.RunAsync(patientIds, Math.Min(12, patients), ct);
            Console.WriteLine(labResult.Skipped is { } skipped
                ? $"Laboratory not seeded: {skipped}."
                : $"Seeded the laboratory: {labResult.Orders} lab orders, {labResult.Validated} validated ({labResult.Flagged} with a flagged value)" +
                    (labResult.Failures > 0 ? $"; {labResult.Failures} writes failed" : "") + ".");
            // The pharmacy: a formulary with stock (a batch near expiry, a drug at its reorder level), then prescriptions (one
            // with an allergy override) and dispenses.
            var pharmacy = app.Services.GetRequiredService<PharmacyService>();
            var formulary = await new FormularySeeder(pharmacy, admin).RunAsync(ct);
            Console.WriteLine(formulary.Skipped is { } formularySkipped
                ? $"Pharmacy not seeded: {formularySkipped}."
                : $"Seeded the pharmacy: a formulary of {formulary.Drugs} drugs with {formulary.Batches} stock batches" + (formulary.Failures > 0 ? $"; {formulary.Failures} writes failed" : "") + ".");
            var rxResult = await new PrescriptionSeeder(pharmacy, app.Services.GetRequiredService<StaffService>(), app.Services.GetRequiredService<DoctorService>(),
                app.Services.GetRequiredService<EncounterService>(), app.Services.GetRequiredService<AccountService>(), admin, seed, prefix)
                .RunAsync(patientIds, formulary.DrugIds, Math.Min(6, patients), ct);
            Console.WriteLine(rxResult.Skipped is { } rxSkipped
                ? $"Prescriptions not seeded: {rxSkipped}."
                : $"Seeded prescriptions: {rxResult.Prescriptions} prescriptions ({rxResult.Overrides} with an allergy override), {rxResult.Dispenses} dispenses" +
                    (rxResult.Failures > 0 ? $"; {rxResult.Failures} writes failed" : "") + ".");
            // The accounts: a month of expenses (one awaiting a second admin) and department budgets.
            var expenses = await new ExpenseSeeder(app.Services.GetRequiredService<ExpenseService>(), admin,
                app.Services.GetRequiredService<HealthLedger.Node.Records.HospitalTime>().Today).RunAsync(ct);
            Console.WriteLine($"Seeded the accounts: {expenses.Expenses} expenses and {expenses.Budgets} budgets" +
                (expenses.Failures > 0 ? $"; {expenses.Failures} writes failed" : "") + ".");
            return result.Failures == 0 && labResult.Failures == 0 && formulary.Failures == 0 && rxResult.Failures == 0 && expenses.Failures == 0 ? 0 : 1;
        }, ct);
    }

    /// <summary>
    /// <c>seed --scale</c>: a few doctors (with logins, for the visits), then <see cref="ScaleSeeder"/>'s patients without logins
    /// and their entries. Prints one progress line and a summary with the rate; exit 1 when any transaction was rejected.
    /// </summary>
    private static async Task<int> RunScale(string data, int patients, long? entries, int? doctors, int seed, string adminUser, CancellationToken ct)
    {
        if (patients is < 1 or > 100_000) return CommonOptions.Fail("--patients must be between 1 and 100000");
        var total = entries ?? patients * 20L;
        if (total is < 0 or > 100_000_000) return CommonOptions.Fail("--entries must be between 0 and 100000000");
        return await WithAdminAsync(data, adminUser, async (app, admin) =>
        {
            try
            {
                var doctorService = app.Services.GetRequiredService<DoctorService>();
                var doctorIds = new List<string>();
                var wanted = doctors ?? Math.Clamp(patients / 2000, 3, 20);
                for (var i = 0; i < wanted; i++)
                {
                    var outcome = await doctorService.RegisterAsync(admin, new DoctorInput
                    {
                        DoctorId = FormattableString.Invariant($"dr-scale-{seed & 0xffff:x4}-{i + 1}"),
                        Name = FormattableString.Invariant($"Dr Scale {i + 1}"),
                        Specialty = "Internal Medicine",
                        Department = "Internal Medicine",
                        Qualification = "MD",
                        LicenceNumber = FormattableString.Invariant($"GMC-{1_000_000 + i}"),
                        Phone = "+44 20 7946 0000",
                        Email = FormattableString.Invariant($"scale{i + 1}@example.org"),
                        ConsultationHours = "Mon-Fri 09:00-17:00",
                    }, ct);
                    if (!outcome.IsOk) return CommonOptions.Fail($"nothing seeded: doctor {i + 1} was refused ({outcome.Message?.TrimEnd('.')}); a folder seeded with --seed {seed} before takes another --seed");
                    doctorIds.Add(outcome.Value!.Id);
                }
                var seeder = new ScaleSeeder(app.Services.GetRequiredService<LedgerNode>(), app.Services.GetRequiredService<HealthLedger.Node.Records.CategoryKeyring>(),
                    app.Services.GetRequiredService<OrganisationKeys>(), app.Services.GetRequiredService<PatientIndexer>(), admin, DateTimeOffset.UtcNow, doctorIds, seed);
                ScaleSeeder.Result result = null!;
                await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
                {
                    var patientTask = ctx.AddTask("Patients submitted", maxValue: patients);
                    var entryTask = ctx.AddTask("Entries submitted", maxValue: Math.Max(1, total));
                    result = await seeder.RunAsync(patients, total, (p, e) =>
                    {
                        patientTask.Value = p;
                        entryTask.Value = e;
                    }, ct);
                });
                if (result.Interrupted)
                {
                    return Interrupted(FormattableString.Invariant(
                        $"{result.Patients} patients and {result.Entries} entries had committed (with {doctorIds.Count} doctors); transactions already submitted may still commit as the node stops; a seed with the same --seed is refused: use another"));
                }
                var seconds = result.Elapsed.TotalSeconds;
                Console.WriteLine(FormattableString.Invariant(
                    $"Seeded {result.Patients} patients (no logins) and {result.Entries} entries with {doctorIds.Count} doctors: {result.Transactions} transactions committed in {seconds:F1} s ({result.Transactions / Math.Max(seconds, 0.001):F0} tx/s)") +
                    (result.Rejected > 0 ? $"; {result.Rejected} rejected (first: {result.FirstReason})" : "") + ".");
                return result.Rejected == 0 ? 0 : 1;
            }
            catch (InvalidOperationException e)
            {
                return CommonOptions.Fail(e.Message);
            }
        }, ct);
    }

    /// <summary>
    /// Starts the node of <paramref name="data"/> in this process (loopback, warnings only), signs <paramref name="adminUser"/>
    /// in with the password from <see cref="CommonOptions.PasswordVariable"/>, runs <paramref name="seed"/> with the node and the
    /// admin's session, and stops the node. Returns <paramref name="seed"/>'s exit code, or 1 after one error line when the
    /// password is not set, the folder fails its start-up check or the login fails.
    /// </summary>
    internal static async Task<int> WithAdminAsync(string data, string adminUser,
        Func<Microsoft.AspNetCore.Builder.WebApplication, UserSession, Task<int>> seed, CancellationToken ct)
    {
        if (CommonOptions.AdminPassword() is not { } password) return CommonOptions.Fail($"set {CommonOptions.PasswordVariable} to the admin's password");
        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            // The login's own refusal is this command's one error line below, not a log line before it.
            app = NodeHost.Build(new NodeOptions { DataDirectory = Path.GetFullPath(data) }, "http://127.0.0.1:0",
                l => l.SetMinimumLevel(LogLevel.Warning).AddFilter(typeof(AccountService).FullName, LogLevel.Error));
        }
        catch (Exception e) when (e is LedgerIntegrityException or InvalidOperationException or InvalidDataException or StoreCorruptException)
        {
            return CommonOptions.Fail(e.Message);
        }
        catch (StoreUnavailableException e)
        {
            return CommonOptions.Fail($"the node did not start: {e.Message}");
        }
        await app.StartAsync(ct);
        try
        {
            var login = app.Services.GetRequiredService<AccountService>().Login(adminUser, password);
            if (login.Session is not { } admin)
            {
                // User ids are kept in lower case; a login takes them in any case (AccountService.Login).
                var known = app.Services.GetRequiredService<Keystore>().UserIds().Contains(adminUser.Trim().ToLowerInvariant(), StringComparer.Ordinal);
                return CommonOptions.Fail(known
                    ? $"admin login failed: {login.Error}"
                    : $"admin login failed: user '{adminUser}' has no login in {data} ({CommonOptions.AdminHint})");
            }
            return await seed(app, admin);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
