using HealthLedger.Core.Model;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Chain;

/// <summary>GET /healthz.</summary>
public static class HealthApi
{
    /// <summary>Maps the health endpoint.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Results<Ok<HealthResponse>, ProblemHttpResult> (LedgerNode node, ConsensusHost consensus, PeerNetwork peers, DocumentReplicator replicator,
            PeerStats peerStats, IntegritySweep sweep, StoreProbe store, Records.DisclosureRecorder disclosures, Storage.Keystore keystore, Storage.DocumentStore documents, Configuration.NodeOptions options, HttpContext http) =>
        {
            // A store that refuses writes (its checkpoint failed, even with no write since) is not healthy, though every read may
            // still work: the node is stopping (ConsensusHost, log event 1005). The reason names the file and SQLite's error only.
            if (node.Store.WriteFailure is { } failure)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The node's ledger store has failed",
                    detail: failure.Message);
            }
            // Writes to the node's own files that do not return (before the probe, whose read may stall on the same disk and
            // would name the database rather than the disk), each one named: a disk that stalls usually stalls them all.
            var stalls = new List<(string Title, string Detail)>();
            // Under the disclosures' log: every read of records waits for its disclosures to be durable.
            if (disclosures.WriteHangingSince is { } hanging)
            {
                stalls.Add((Web.ErrorPages.StoreUnavailableTitle,
                    $"The node has been writing who read which records to its disk since {hanging:yyyy-MM-dd HH:mm:ss} UTC and the write has not returned " +
                        "(the disk holding its data folder frozen, failing, or a network mount gone): reads of records wait for it, and go on once the disk answers."));
            }
            // Disclosures that could not be written at all (a full or read-only disk): every read of records is refused (503,
            // event 2054) until a write succeeds again, so the node is not healthy though it answers. Said for a minute after the
            // last failure (the disk may have room again since, with no read to try it).
            if (disclosures.RecentWriteFailure(TimeSpan.FromMinutes(1)) is { } failed)
            {
                stalls.Add((Web.ErrorPages.DisclosureStoreUnavailableTitle,
                    $"The node could not write who read which records to its disk at {failed.At:yyyy-MM-dd HH:mm:ss} UTC ({failed.Reason.TrimEnd('.')}): reads of records are " +
                        "refused while it cannot (the disk holding its data folder full or read-only?); this is said until a write succeeds, or for a minute after the last failure."));
            }
            // The same under the login store: every sign-in, registration and password change waits behind that write.
            if (keystore.Writes.StalledSince(ConsensusHost.StoreHangAfter) is { } stalled)
            {
                stalls.Add((Web.ErrorPages.KeystoreUnavailableTitle,
                    $"The node has been writing its login store (keystore.db) since {stalled:yyyy-MM-dd HH:mm:ss} UTC and the write has not returned " +
                        "(the disk holding its data folder frozen, failing, or a network mount gone): sign-ins, registrations and password changes wait for it, and go on once the disk answers."));
            }
            // The same under the document store: an upload (a report's file) waits to be filed, and its transaction with it.
            if (documents.Writes.StalledSince(ConsensusHost.StoreHangAfter) is { } filing)
            {
                stalls.Add((Web.ErrorPages.DocumentStoreUnavailableTitle,
                    $"The node has been writing a document to its disk (documents/) since {filing:yyyy-MM-dd HH:mm:ss} UTC and the write has not returned " +
                        "(the disk holding its data folder frozen, failing, or a network mount gone): uploads wait for it, and go on once the disk answers."));
            }
            if (stalls.Count > 0) return Unavailable(http, stalls[0].Title, string.Join(" ", stalls.Select(x => x.Detail)));
            // A database out of reach (a PostgreSQL server down): every read that needs it gets 503 too (ErrorPages.StoreUnavailable).
            if (!store.Reachable())
            {
                return Unavailable(http, Web.ErrorPages.StoreUnavailableTitle,
                    "The node cannot reach its ledger's database (a PostgreSQL server out of reach, the SQLite file locked or unreadable, or the disk " +
                        "holding it not answering: frozen, failing, a network mount gone). " +
                        "It answers again once the database does; the node's log says why (event 1016).");
            }
            // A block (or the voting state) waiting to be written for the database (a PostgreSQL server restarting, a SQLite file
            // another process keeps locked): reads may still work, but nothing commits until it is written.
            if (consensus.StoreWaitingSince is { } since)
            {
                return Unavailable(http, Web.ErrorPages.StoreUnavailableTitle,
                    $"The node's next block has waited since {since:yyyy-MM-dd HH:mm:ss} UTC to be written: its ledger's database does not take writes " +
                        "(a PostgreSQL server restarting or out of reach, the SQLite file locked by another process, or the disk holding it not answering: " +
                        "frozen, failing, a network mount gone). It is written once the database does; the node's log says why when the database refused (event 1018).");
            }
            var tip = node.Tip;
            var c = consensus.Status;
            var health = c is null ? null : new ConsensusHealth(c.Height, c.Round, c.Step, c.Leader, c.Validators, ValidatorSet.Quorum(c.Validators), c.Prevotes, c.Precommits,
                new Dictionary<string, long>
                {
                    ["badSignatures"] = c.Stats.BadSignatures + peerStats.Forged,
                    ["unknownSenders"] = c.Stats.UnknownSenders,
                    ["wrongProposer"] = c.Stats.WrongProposer,
                    ["badValueHash"] = c.Stats.BadValueHash,
                    ["equivocations"] = c.Stats.Equivocations,
                    ["invalidBlocks"] = c.Stats.InvalidValues,
                    ["garbage"] = peerStats.Garbage,
                    ["unauthenticatedPeerCalls"] = peerStats.Unauthenticated,
                    ["droppedInbound"] = consensus.DroppedInbound,
                });
            var peerHealth = peers.Links.Select(l => new PeerHealth(l.Node.Id, l.Node.Address, l.Connected, l.Height, l.LastSeen)).ToList();
            // Transactions waiting with no block committed for the commit timeout: the node serves reads, but its writes are
            // answered 202 and wait (a network without a quorum of validators running). 200, "stalled", and since when.
            var stalledSince = consensus.StalledSince(options.CommitTimeout);
            // Fewer validators reachable than a quorum (this node, if it votes, and the peers it reached at their last poll):
            // nothing can commit, said at once, not only after a write has waited (it said "ok" with two of four down).
            var reaching = (node.Validators.Any(v => v.Id == node.NodeId) ? [node.NodeId] : Array.Empty<string>())
                .Concat(peers.Links.Where(l => l.Connected).Select(l => l.Node.Id)).ToList();
            var noQuorum = health is { Validators: > 1 } && reaching.Count < health.Quorum
                ? $"{reaching.Count} of {health.Validators} validators reachable from this node ({(reaching.Count == 0 ? "none" : string.Join(", ", reaching))}); " +
                    $"{health.Quorum} are needed to commit a block: writes are answered 202 and wait until enough of them are back."
                : null;
            var detail = stalledSince is { } waitingSince
                ? $"Transactions have waited since {waitingSince:yyyy-MM-dd HH:mm:ss} UTC with no block committed." + (noQuorum is null ? "" : " " + noQuorum)
                : noQuorum;
            return TypedResults.Ok(new HealthResponse(stalledSince is not null ? "stalled" : noQuorum is not null ? "noQuorum" : "ok", node.Network.NetworkId, node.NodeId,
                tip.Height, tip.Hash.ToString(), tip.StateRoot.ToString(), node.Mempool.Count, health, peerHealth, replicator.Missing,
                System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(sweep.Status.ToString()), stalledSince, detail));
        })
        .WithName("Health")
        .WithSummary("Node health: height, state root, consensus round and leader, connected peers; 503 once the ledger store has failed, while its database does not answer, while a block waits to be written to it, while a write to the node's own files (the disclosures' log, the login store, the document store) has not returned for 5 s, or while disclosures cannot be written, naming each")
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .WithTags("Node");
        return app;
    }

    // 503 with Retry-After (the node's storage not answering: ErrorPages.StoreRetryAfter), titled and detailed.
    private static ProblemHttpResult Unavailable(HttpContext http, string title, string detail)
    {
        Web.TooManyRequests.SetRetryAfter(http, Web.ErrorPages.StoreRetryAfter);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
    }
}
