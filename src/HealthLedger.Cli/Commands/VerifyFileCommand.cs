using System.CommandLine;
using System.Security.Cryptography;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;

namespace HealthLedger.Cli.Commands;

internal static class VerifyFileCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var file = new Argument<FileInfo>("file") { Description = "The file to check (a downloaded report file, report printout, lab report printout or whole-record printout)" };
        var command = new Command("verify-file",
            "Offline: say which report and version a file (a report's file, or a report, lab report or whole-record printout PDF a node issued) is, by its SHA-256 on the chain, or that it matches none (exit 1). Reads the ledger only; needs no password.")
        { data, file };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(file)!));
        return command;
    }

    private static int Run(string data, FileInfo file)
    {
        if (!file.Exists) return CommonOptions.Fail($"no file {file.FullName}");
        Hash256 hash;
        using (var stream = file.OpenRead()) hash = new Hash256(SHA256.HashData(stream));
        try
        {
            using var store = new DataDirectory(Path.GetFullPath(data)).Ledger.OpenReadOnly();
            if (store.ReadStateValue(StateKeys.ContentHash(hash)) is not { } pointer)
            {
                Console.WriteLine($"NO MATCH: {file.Name} (SHA-256 {hash}) is not a report on this ledger");
                return 1;
            }
            var parts = System.Text.Encoding.UTF8.GetString(pointer).Split('/');
            if (parts is [var prefix, var orderId, var step] && prefix + "/" == LabOrderState.Prefix)
            {
                // A lab report printout: the order's validation step.
                var order = store.ReadStateValue(LabOrderState.Key(orderId)) is { } o ? LabOrderState.TryDecode(o) : null;
                var number = int.Parse(step, System.Globalization.CultureInfo.InvariantCulture);
                if (order is null || number > order.Steps.Count) return CommonOptions.Fail($"the ledger points {file.Name} at lab order {orderId} step {step}, which it does not hold");
                var validation = order.Steps[number - 1];
                var when = DateTimeOffset.FromUnixTimeMilliseconds((long)validation.Proof.Timestamp);
                Console.WriteLine($"MATCH: {file.Name} is a printout of the lab report of order {order.OrderId} version {number}, validated by {validation.AuthorId} in block {validation.Proof.Height} at {when:yyyy-MM-dd HH:mm:ss} UTC (transaction {validation.Proof.TxId})" +
                    (order.Steps.Count > number ? $"; SUPERSEDED: the results were amended after it (the order is at version {order.Steps.Count}), so this file is no longer the report" : ""));
                return 0;
            }
            if (parts is [var recordPrefix, var patientId, var snapshot] && recordPrefix + "/" == StateKeys.PatientRecordPrefix)
            {
                // A whole-record printout: the patient's record as one reader saw it at the end of block <snapshot>.
                var height = ulong.Parse(snapshot, System.Globalization.CultureInfo.InvariantCulture);
                var recorded = store.ReadStateValue(StateKeys.RecordPrintout(patientId, height, hash));
                var reader = new Core.Encoding.CanonicalReader(recorded ?? []);
                if (recorded is null || !RecordProof.TryRead(ref reader, out var proof))
                {
                    return CommonOptions.Fail($"the ledger points {file.Name} at the record of patient {patientId} as of block {snapshot}, but holds no recording of it");
                }
                var recordedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)proof.Timestamp);
                Console.WriteLine($"MATCH: {file.Name} is a printout of the whole record of patient {patientId} as of block {height}, recorded in block {proof.Height} at {recordedAt:yyyy-MM-dd HH:mm:ss} UTC (transaction {proof.TxId})");
                return 0;
            }
            var version = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            var report = ReportState.TryDecode(store.ReadStateValue(StateKeys.ReportVersion(parts[0], version))!)!;
            var latest = ReportState.TryDecode(store.ReadStateValue(StateKeys.Report(parts[0]))!)!;
            var at = DateTimeOffset.FromUnixTimeMilliseconds((long)report.Proof.Timestamp);
            var what = report.ContentHash == hash ? "" : "a printout of ";
            Console.WriteLine($"MATCH: {file.Name} is {what}report {report.Id} version {report.Version} ({report.Type}) signed by {report.AuthorId} in block {report.Proof.Height} at {at:yyyy-MM-dd HH:mm:ss} UTC (transaction {report.Proof.TxId})" +
                (latest.Version <= report.Version ? ""
                    : latest.ContentHash == hash ? $"; the current version {latest.Version} carries the same file"
                    : $"; SUPERSEDED by version {latest.Version}: this file is no longer the report"));
            return 0;
        }
        catch (Exception e) when (e is FileNotFoundException or StoreCorruptException or InvalidDataException or StoreUnavailableException
            or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException)
        {
            return CommonOptions.Fail(e.Message);
        }
    }
}
