using System.CommandLine;
using HealthLedger.Node.Hosting;

namespace HealthLedger.Cli.Commands;

internal static class JoinCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var keys = new Option<string?>("--keys")
        {
            Description = "Folder with the node's backed-up keys (a copy of its data folder's keys/, or of the whole folder without the ledger); " +
                "omit it for a new organisation's folder made by 'healthledger consortium request', which is joined in place",
        };
        var wait = new Option<int>("--wait-minutes")
        {
            Description = "While the peer does not yet know this node (its organisation's admission is still being voted on), ask again for up to this many minutes, " +
                "answering at the node's peer address meanwhile so that members can propose it (default 0: fail at once)",
            DefaultValueFactory = _ => 0,
        }.WholeNumber(0, 7 * 24 * 60, "minutes");
        var peer = new Option<string>("--peer") { Description = "Peer endpoint of a running node, e.g. http://127.0.0.1:5180 (web port + 100 in a local cluster)", Required = true };
        var genesis = new Option<string?>("--genesis") { Description = "Expected genesis block hash (recommended: refuses a peer of another network)" };
        var urls = new Option<string?>("--urls") { Description = "Where this node's web UI and API will listen (default: the backup's node.json, else http://localhost:5080)" };
        var peerListen = new Option<string?>("--peer-listen")
        {
            Description = "Where this node's peer endpoint listens until the chain names it (a node added after genesis), e.g. http://127.0.0.1:5184; the address in its ConfigureNodes record",
        };
        var command = new Command("join",
            "Rebuild a node's data folder from its keys and a peer: for a node whose folder was lost, a node newly added to the validator set, " +
            "or (without --keys) a new organisation's node prepared by 'healthledger consortium request' once the consortium admits it. " +
            "Only genesis is fetched here; run 'healthledger node --data DIR' next and the node syncs and verifies every block from its peers.")
        {
            data, keys, peer, genesis, urls, peerListen, wait,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(data)!;
            try
            {
                if (parse.GetValue(wait) is < 0 or > 7 * 24 * 60) return CommonOptions.Fail("--wait-minutes must be between 0 and 10080 (7 days)");
                var result = await NodeJoiner.JoinAsync(folder, parse.GetValue(keys), parse.GetValue(peer)!, parse.GetValue(genesis), parse.GetValue(urls), ct, parse.GetValue(peerListen),
                    TimeSpan.FromMinutes(parse.GetValue(wait)));
                Console.WriteLine($"Prepared {Path.GetFullPath(folder)} for network '{result.NetworkId}' (genesis {result.GenesisHash}).");
                Console.WriteLine(result.NodeId is { } id
                    ? $"This is node '{id}'. The peer is at height {result.PeerHeight}; start it with: healthledger node --data {folder}"
                    : $"Genesis does not name this node's key (it was admitted later): block sync brings the block that added it, and from there it votes if it was added as a validator, or follows as a non-voting observer if it was admitted as one (its log says which when it starts). Start it with: healthledger node --data {folder}");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                return CommonOptions.Fail(e.Message);
            }
        });
        return command;
    }
}
