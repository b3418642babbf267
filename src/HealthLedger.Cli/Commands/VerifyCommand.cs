using System.CommandLine;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using Spectre.Console;

namespace HealthLedger.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object (also when the data cannot be read: {\"ok\":false,\"error\":\"…\"}, exit 2)" };
        var acceptTip = new Option<bool>("--accept-tip")
        {
            Description = "Accept the ledger as it is although its tip record (ledger.tip) is missing or says later blocks were committed " +
                "(a deliberately restored older ledger: those blocks are lost). Verifies everything else, then records the ledger's own tip.",
        };
        var command = new Command("verify",
            "Verify a node's data offline: re-hash every block, check every signature and commit certificate, re-execute every transaction from genesis " +
            "and compare every receipt, state root and state entry. Exit 0 when all match, 1 naming the first that does not, 2 when the data cannot be read.")
        { data, json, acceptTip };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(json), parse.GetValue(acceptTip)));
        return command;
    }

    private static int Run(string data, bool json, bool acceptTip)
    {
        VerifyReport report;
        try
        {
            // A running node's folder is refused: its commits change what is being read, which verify took for tampering (a
            // block or a state entry seen half-written). Held until verify ends, so no node starts on the folder meanwhile.
            var root = Path.GetFullPath(data);
            using var stopped = StoppedNode(root);
            // The SQLite file in the folder, or the PostgreSQL database its node.json names.
            var ledger = new DataDirectory(root).Ledger;
            // SQLite's read-only connections leave empty -wal and -shm files beside a cleanly stopped node's files: removed
            // again at the end, under the lock (no node has them open).
            var withoutLogs = stopped is not null && !ledger.IsPostgres ? SqliteLedgerStore.FilesWithoutLogs(ledger.LedgerPath) : [];
            try
            {
                report = json || !AnsiConsole.Profile.Capabilities.Interactive
                    ? StoreVerifier.Verify(ledger, certificates: CheckCertificate, checkTipRecord: !acceptTip)
                    : WithProgress(ledger, checkTipRecord: !acceptTip);
                if (report.Ok && VotingStateProblem(ledger) is { } voting) report = report with { Issue = voting };
                if (acceptTip && report.Ok) AcceptTip(ledger, quiet: json);
            }
            finally
            {
                SqliteLedgerStore.RemoveEmptyLogs(withoutLogs);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StoreCorruptException or InvalidDataException or StoreUnavailableException
            or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException)
        {
            // Exit 2 (the data cannot be read); with --json stdout still carries the one document, naming the error.
            return CommonOptions.Fail(e.Message, json);
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                ok = report.Ok,
                blocks = report.Blocks,
                transactions = report.Transactions,
                stateRoot = report.StateRoot,
                problem = report.Issue?.ToString(),
                height = report.Issue?.Height,
                transactionIndex = report.Issue?.TxIndex,
                transactionId = report.Issue?.TxId,
                stateKey = report.Issue?.StateKey,
                documentsPending = report.DocumentsPending,
            }));
        }
        else if (report.Ok)
        {
            Console.WriteLine($"OK: {CommonOptions.Count((long)report.Blocks, "block")}, {CommonOptions.Count((long)report.Transactions, "transaction")}, final state root {report.StateRoot}");
            if (report.DocumentsPending > 0) Console.WriteLine($"Note: {report.DocumentsPending} document(s) not replicated to this node yet; it fetches them from its peers while it runs.");
        }
        else
        {
            Console.WriteLine($"FAILED: {report.Issue} ({CommonOptions.Count((long)report.Blocks, "block")} verified before it)");
        }
        return report.Ok ? 0 : 1;
    }

    // Holds the folder's node.lock (as a node does while it runs) when there is one, so verify reads a stopped node's data and no
    // node starts on it until verify ends; null when the folder has none (a folder no node has run on). A folder this user
    // cannot read is said to be that, not "no ledger".
    private static FileStream? StoppedNode(string root)
    {
        var lockPath = new DataDirectory(root).LockPath;
        try
        {
            if (Directory.Exists(root)) _ = Directory.EnumerateFileSystemEntries(root).Any();
            return File.Exists(lockPath) ? new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.None) : null;
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"{root} cannot be read by this user ({Environment.UserName}): check the folder's owner and mode (its content is not in question).");
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            throw new IOException($"A node is running on {root} (node.lock is held): stop it first. 'verify' checks a stopped node's data; a running node " +
                "checks its own chain at start and in its integrity sweep (/healthz, \"integritySweep\").");
        }
    }

    // The node's own voting state is not part of the chain, but a damaged one must be noticed as the start-up check does.
    private static Core.Verification.VerifyIssue? VotingStateProblem(LedgerLocation ledger)
    {
        using var store = ledger.OpenReadOnly();
        return store.ReadConsensusState() is { } saved && Consensus.SafetyStateCodec.TryDecode(saved) is null
            ? new Core.Verification.VerifyIssue(null, null, null, null, "the node's consensus voting state (table 'consensus') is damaged: it does not decode or its checksum does not match")
            : null;
    }

    // The ledger verified in full: its own last block becomes the recorded tip.
    private static void AcceptTip(LedgerLocation ledger, bool quiet)
    {
        LedgerTip tip;
        var path = ledger.LedgerPath;
        using (var store = ledger.OpenReadOnly())
        {
            var last = store.ReadBlock(store.TipHeight!.Value)!;
            tip = new LedgerTip(last.Height, new Core.Primitives.Hash256(last.Hash));
        }
        LedgerTip.Write(path, tip);
        if (!quiet) Console.WriteLine($"Recorded {tip} as the ledger's tip ({LedgerTip.PathFor(path)}).");
    }

    private static VerifyReport WithProgress(LedgerLocation ledger, bool checkTipRecord) =>
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("Verifying blocks");
            return StoreVerifier.Verify(ledger, (height, tip) =>
            {
                task.MaxValue = tip + 1;
                task.Value = height + 1;
            }, certificates: CheckCertificate, checkTipRecord: checkTipRecord);
        });

    // Every block after genesis was decided by consensus: its certificate must hold a quorum (ValidatorSet.Quorum) of precommits of the validators of its height.
    private static string? CheckCertificate(string networkId, ulong height, Core.Primitives.Hash256 hash, IReadOnlyList<Core.Primitives.SigningPublicKey> validators, byte[]? certificate) =>
        certificate is null ? "no commit certificate is stored with it" : Consensus.CommitCertificate.Check(certificate, networkId, height, hash, validators);
}
