using System.CommandLine;
using HealthLedger.Node.Fhir.Import;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// <c>healthledger import --data DIR FILE|FOLDER… [--dry-run] [--doctor ID]</c>: FHIR R4 Bundles (e.g. Synthea patient
/// bundles) into a stopped node's network through the real transaction path, as the admin (<see cref="FhirImporter"/>).
/// The node of the folder must be stopped: the command opens the folder itself, and a running node holds its
/// <c>node.lock</c>, so the command then refuses with one line and writes nothing (import into a running node on its
/// /import page instead, one import at a time). Two commands on one folder exclude each other the same way.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var paths = new Argument<string[]>("paths") { Description = "FHIR R4 Bundle files (JSON or XML), or folders of them (*.json, *.xml)", Arity = ArgumentArity.OneOrMore };
        var dryRun = new Option<bool>("--dry-run") { Description = "Map and check only: report per resource type what would be created, what exists already and what cannot be mapped; write nothing" };
        var doctor = new Option<string?>("--doctor") { Description = "The doctor (id) of encounters whose practitioner is neither in the files nor a doctor here" };
        var admin = CommonOptions.Admin();
        var command = new Command("import",
            "Import FHIR R4 Bundles (transaction or collection, e.g. Synthea) into a stopped node's network through the real transaction path, signed as the admin " +
            $"(needs {CommonOptions.PasswordVariable}). Idempotent: records already imported are found again and skipped. For a running node, use its /import page.")
        { data, paths, dryRun, doctor, admin };
        command.SetAction((parse, ct) => Run(parse.GetValue(data)!, parse.GetValue(paths)!, parse.GetValue(dryRun), parse.GetValue(doctor), parse.GetValue(admin)!, ct));
        return command;
    }

    private static async Task<int> Run(string data, string[] paths, bool dryRun, string? doctor, string adminUser, CancellationToken ct)
    {
        // Every file is read and parsed before the node starts: a bad file writes nothing.
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                return CommonOptions.Fail($"no such file or folder: {path}");
            }
        }
        if (files.Count == 0) return CommonOptions.Fail("no .json or .xml files to import");
        var bundles = new List<Hl7.Fhir.Model.Bundle>();
        foreach (var file in files)
        {
            var (bundle, error) = FhirImporter.Parse(Path.GetFileName(file), await File.ReadAllTextAsync(file, ct));
            if (bundle is null) return CommonOptions.Fail($"nothing imported: {error}");
            bundles.Add(bundle);
        }
        if (!Directory.Exists(data)) return CommonOptions.Fail($"no node data folder at {data}");
        return await SeedCommand.WithAdminAsync(data, adminUser, async (app, admin) =>
        {
            var importer = app.Services.GetRequiredService<FhirImporter>();
            Node.Records.Outcome<FhirImportReport> outcome = null!;
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask(dryRun ? "Checking resources" : "Importing resources", maxValue: 1);
                outcome = await importer.ImportAsync(admin, bundles, new FhirImportOptions(dryRun, doctor), (done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                }, ct);
                task.Value = task.MaxValue;
            });
            if (!outcome.IsOk)
            {
                var message = outcome.Errors is { IsEmpty: false } errors ? string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value)) : outcome.Message;
                return CommonOptions.Fail($"nothing imported: {message?.TrimEnd('.')}");
            }
            Print(outcome.Value!, files.Count);
            return outcome.Value!.Refused > 0 ? CommonOptions.Fail($"{outcome.Value.Refused} writes were refused (listed above)", 1) : 0;
        }, ct);
    }

    private static void Print(FhirImportReport report, int files)
    {
        var table = new Table().AddColumn("Resource type").AddColumn(new TableColumn(report.DryRun ? "Would create" : "Created").RightAligned())
            .AddColumn(new TableColumn("Already present").RightAligned()).AddColumn(new TableColumn("Not mapped").RightAligned());
        foreach (var (type, c) in report.Types) table.AddRow(type, c.Created.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Existing.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Unmapped.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        // Plain lines (not wrapped to the terminal's width), one per reason.
        foreach (var (reason, count) in report.Reasons) Console.WriteLine($"  not mapped: {reason} ({count})");
        foreach (var note in report.Notes) Console.WriteLine($"  {note}");
        var created = report.Types.Values.Sum(c => c.Created);
        var existing = report.Types.Values.Sum(c => c.Existing);
        Console.WriteLine(report.DryRun
            ? $"Dry run: {report.Total} resources in {CommonOptions.Count(files, "file")}; {created} would be created, {existing} already present, {report.Total - created - existing} not mapped. Nothing was written."
            : $"Imported {report.Total} resources from {CommonOptions.Count(files, "file")}: {created} created, {existing} already present, {report.Total - created - existing} not mapped.");
    }
}
