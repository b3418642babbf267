using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Network.Grpc;
using HealthLedger.Storage;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// Rebuilds a node's data folder from its keys and a peer (<c>healthledger join</c>): the node whose folder was lost, or a new
/// node added to the validator set. Its calls to the peer are signed with the node's key, which the peer must hold in its
/// state (<see cref="PeerAuthenticator"/>). Copies the keys (and the login keystore and node.json when the backup has them), fetches
/// the genesis block from the peer, checks it with <see cref="BlockValidator"/> (the genesis transaction of the peer's
/// network, its proposer among the nodes it names, the signatures, re-execution and roots) and, when given, its hash, and
/// stores it. Everything after genesis arrives by block sync once the node runs, each block checked against its commit
/// certificate and by the same validator.
/// </summary>
public static class NodeJoiner
{
    /// <summary>What was made.</summary>
    /// <param name="NetworkId">The network joined.</param>
    /// <param name="GenesisHash">Its genesis hash (compare it with another node's).</param>
    /// <param name="NodeId">This node's id when genesis names its key, else null (it learns it from later blocks).</param>
    /// <param name="PeerHeight">The peer's height: what block sync will fetch.</param>
    public sealed record Result(string NetworkId, string GenesisHash, string? NodeId, ulong PeerHeight);

    /// <summary>Makes the folder. On failure nothing is left behind.</summary>
    /// <remarks>
    /// Without <paramref name="keysFrom"/>, <paramref name="dataDirectory"/> is a newcomer organisation's folder made by
    /// <c>healthledger consortium request</c> (<see cref="JoinRequestMaker"/>): its keys, login and node.json stay where they are
    /// and only the chain is added. With <paramref name="waitForAdmission"/>, a peer that refuses the node's key (its organisation
    /// is not admitted yet) is asked again every few seconds until then, and meanwhile the folder's peer address answers
    /// (HTTP/2, 503 "awaiting admission"), so that the member organisations' admins can propose it (their node checks that the
    /// address answers).
    /// </remarks>
    /// <exception cref="InvalidOperationException">A clear reason (folder not empty, keys missing, peer unreachable, genesis does not check).</exception>
    public static async Task<Result> JoinAsync(string dataDirectory, string? keysFrom, string peerAddress, string? expectedGenesis, string? urls, CancellationToken ct,
        string? peerListen = null, TimeSpan? waitForAdmission = null)
    {
        if (peerListen is not null && NodeRecord.AddressProblem(peerListen) is { } listenProblem) throw new InvalidOperationException($"--peer-listen {listenProblem}.");
        var folder = Path.GetFullPath(dataDirectory);
        var inPlace = keysFrom is null;
        string keysDir, source;
        if (inPlace)
        {
            var request = File.Exists(Path.Combine(folder, JoinRequest.FileName)) ? JoinRequest.InFolder(new DataDirectory(folder)) : null;
            if (request is null) throw new InvalidOperationException($"{folder} holds no {JoinRequest.FileName}: give --keys (a node's backed-up keys), or a folder made by 'healthledger consortium request'.");
            if (new DataDirectory(folder).HasNetwork) throw new InvalidOperationException($"{folder} already holds a ledger: start it with 'healthledger node --data {dataDirectory}'.");
            source = keysDir = Path.Combine(folder, "keys");
            peerListen ??= NodeConfig.Read(new DataDirectory(folder))?.PeerUrl;
        }
        else
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()) throw new InvalidOperationException($"{folder} is not empty; choose a new folder or remove it first.");
            source = Path.GetFullPath(keysFrom!);
            keysDir = File.Exists(Path.Combine(source, "keys", "node.key")) ? Path.Combine(source, "keys") : source;
        }
        if (!File.Exists(Path.Combine(keysDir, "node.key"))) throw new InvalidOperationException($"No node.key in {source} or {source}/keys: give the folder holding the node's backed-up keys.");
        if (peerAddress.Length == 0) throw new InvalidOperationException("--peer is required.");
        if (NodeRecord.AddressProblem(peerAddress) is { } problem) throw new InvalidOperationException($"--peer {problem}.");

        var joinSeed = DataDirectory.ReadSecret(Path.Combine(keysDir, "node.key"), 32);
        (string NetworkId, byte[] Genesis, ulong Height) fetched;
        using (var joinKey = Core.Crypto.SigningKeyPair.FromSeed(joinSeed))
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(joinSeed);
            fetched = waitForAdmission is { } wait && wait > TimeSpan.Zero
                ? await FetchWhenAdmittedAsync(peerAddress, joinKey, peerListen, wait, ct)
                : await FetchGenesisAsync(peerAddress, joinKey, ct);
        }
        var (networkId, genesisBytes, peerHeight) = fetched;
        var value = BlockValue.TryDecode(genesisBytes, ChainPolicy.MaxTxBytesCeiling, 1, out var error)
            ?? throw new InvalidOperationException($"The peer's genesis block does not decode: {error}.");
        var header = value.Block.Header;
        if (expectedGenesis is not null && !string.Equals(header.Hash.ToString(), expectedGenesis.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The peer's genesis block is {header.Hash}, not the expected {expectedGenesis}: a different network.");
        }
        var verdict = BlockValidator.Validate(value.Block, new BlockContext { NetworkId = networkId }, WorldState.Load([]), value.Blobs);
        if (verdict.Refusal == BlockRefusal.NotGenesis) throw new InvalidOperationException($"The peer did not send a genesis block of its network: {verdict.Reason}.");
        if (!verdict.IsOk) throw new InvalidOperationException($"The peer's genesis block does not check: {verdict.Reason}.");
        var genesis = (GenesisPayload)value.Block.Transactions[0].Payload;
        var execution = verdict.Execution!;

        if (inPlace) return StoreInPlace(new DataDirectory(folder), value, execution, networkId, header.Hash.ToString(), peerHeight, urls, peerListen);
        var existed = Directory.Exists(folder);
        OwnerOnly.CreateDirectory(folder);
        try
        {
            var data = new DataDirectory(folder);
            OwnerOnly.CreateDirectory(Path.GetDirectoryName(data.NodeKeyPath)!);
            foreach (var file in new[] { "node.key", "organisation.key" })
            {
                var from = Path.Combine(keysDir, file);
                if (File.Exists(from)) DurableFile.CopyNew(from, Path.Combine(Path.GetDirectoryName(data.NodeKeyPath)!, file));
            }
            if (!OperatingSystem.IsWindows())
            {
                foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(data.NodeKeyPath)!)) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            var seed = DataDirectory.ReadSecret(data.NodeKeyPath, 32);
            using var key = Core.Crypto.SigningKeyPair.FromSeed(seed);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
            var backupRoot = keysDir == source ? null : source;
            if (backupRoot is not null && File.Exists(Path.Combine(backupRoot, Keystore.FileName))) DurableFile.CopyNew(Path.Combine(backupRoot, Keystore.FileName), data.KeystorePath);
            else Keystore.Open(data.KeystorePath).Dispose(); // a new node's empty keystore (its start refuses a missing one)
            var config = backupRoot is null ? null : NodeConfig.Read(new DataDirectory(backupRoot));
            config ??= new NodeConfig("http://localhost:5080");
            NodeConfig.Write(data, config with { Urls = urls ?? config.Urls, PeerUrl = peerListen ?? config.PeerUrl });
            using (var store = data.Ledger.Open(create: true))
            {
                store.Commit(value.Block, execution.Receipts, execution.Changes);
            }
            var nodeId = genesis.Nodes.FirstOrDefault(n => n.SigningKey == key.PublicKey)?.Id;
            if (nodeId is null) OwnerOnly.WriteAllText(Path.Combine(folder, LedgerNode.JoiningMarker), "waiting for block sync to name this node's key\n");
            return new Result(networkId, header.Hash.ToString(), nodeId, peerHeight);
        }
        catch
        {
            if (existed) foreach (var entry in Directory.EnumerateFileSystemEntries(folder)) DeleteEntry(entry);
            else Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    // A newcomer's folder keeps its keys, login, node.json and join request; the genesis block and the joining marker are added
    // (a newcomer's node is never in genesis: block sync names it). On failure only what was added is removed.
    private static Result StoreInPlace(DataDirectory data, BlockValue value, Core.Execution.BlockExecution execution, string networkId, string genesisHash, ulong peerHeight,
        string? urls, string? peerListen)
    {
        var marker = Path.Combine(data.Root, LedgerNode.JoiningMarker);
        try
        {
            if (urls is not null || peerListen is not null)
            {
                var config = NodeConfig.Read(data) ?? new NodeConfig("http://localhost:5080");
                NodeConfig.Write(data, config with { Urls = urls ?? config.Urls, PeerUrl = peerListen ?? config.PeerUrl });
            }
            OwnerOnly.WriteAllText(marker, "waiting for block sync to name this node's key\n");
            using (var store = data.Ledger.Open(create: true))
            {
                store.Commit(value.Block, execution.Receipts, execution.Changes);
            }
            return new Result(networkId, genesisHash, null, peerHeight);
        }
        catch
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var disclosures = Storage.PendingDisclosureFile.PathBeside(data.LedgerPath);
            foreach (var file in new[] { marker, data.LedgerPath, data.LedgerPath + "-wal", data.LedgerPath + "-shm", Path.Combine(data.Root, Storage.LedgerTip.FileName),
                         disclosures, disclosures + "-wal", disclosures + "-shm" })
            {
                if (File.Exists(file)) File.Delete(file);
            }
            throw;
        }
    }

    // How often a waiting join asks again: short, because every height the admitted node should lead before it runs costs the
    // others a round timeout (one status call per ask).
    private static readonly TimeSpan AdmissionPollInterval = TimeSpan.FromMilliseconds(500);

    // Asks the peer for genesis until it serves this node's key (its organisation or node was admitted) or the wait is over,
    // answering at the node's own peer address meanwhile.
    private static async Task<(string NetworkId, byte[] Genesis, ulong Height)> FetchWhenAdmittedAsync(string peerAddress, Core.Crypto.SigningKeyPair key, string? peerListen,
        TimeSpan wait, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + wait;
        await using var placeholder = peerListen is not null && peerListen.StartsWith("http://", StringComparison.Ordinal) ? await AwaitingAdmission.StartAsync(peerListen, ct) : null;
        while (true)
        {
            try
            {
                return await FetchGenesisAsync(peerAddress, key, ct);
            }
            catch (NotAdmittedException) when (DateTimeOffset.UtcNow < until)
            {
                await Task.Delay(AdmissionPollInterval, ct);
            }
        }
    }

    // Peer calls are signed with the node's key (the peer serves only nodes in its state). The joiner does not know the
    // network id yet: the peer's refusal of a call signed for no network names it, and the calls are signed again for it.
    private static async Task<(string NetworkId, byte[] Genesis, ulong Height)> FetchGenesisAsync(string peerAddress, Core.Crypto.SigningKeyPair key, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(peerAddress, new GrpcChannelOptions { MaxReceiveMessageSize = PeerLink.MaxMessageBytes, InitialReconnectBackoff = PeerLink.ReconnectBackoff, MaxReconnectBackoff = PeerLink.ReconnectBackoff * 20 });
        try
        {
            var networkId = "";
            try
            {
                await new Peer.PeerClient(channel.Intercept(new PeerCallSigner(networkId, key, TimeProvider.System)))
                    .StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied && e.Trailers.GetValue(PeerCallAuth.NetworkHeader) is { Length: > 0 } named)
            {
                networkId = named;
            }
            var client = new Peer.PeerClient(channel.Intercept(new PeerCallSigner(networkId, key, TimeProvider.System)));
            var status = await client.StatusAsync(new StatusRequest { NetworkId = networkId }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
            var reply = await client.GetBlocksAsync(new BlocksRequest { NetworkId = status.NetworkId, From = 0, Max = 1 }, deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: ct);
            if (reply.Blocks.Count == 0) throw new InvalidOperationException($"The peer at {peerAddress} sent no genesis block.");
            return (status.NetworkId, reply.Blocks[0].Value.ToByteArray(), status.Height);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            throw new NotAdmittedException($"The peer endpoint {peerAddress} refused this node's key ({e.Status.Detail}): a node joins once its key is in the network " +
                "(a validator's backed-up keys, a node added by a ConfigureNodes transaction or an executed proposal).");
        }
        catch (RpcException e)
        {
            throw new InvalidOperationException($"Cannot reach the peer endpoint {peerAddress}: {e.Status.Detail} ({e.StatusCode}). Give a running node's peer address (its web port + 100 in a local cluster).");
        }
    }

    private static void DeleteEntry(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
