using System.Threading.Channels;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Network;

/// <summary>
/// Keeps a copy of every encrypted document the chain references: documents missing at start and those of each newly
/// committed report are fetched from peers (checked against the hash on the chain before they are kept), retried until one
/// peer has them. So a report stays available when the node of the hospital that uploaded it is down. A copy this node's own
/// disk refuses is logged (event 1023) and tried again after <see cref="NodeOptions.DocumentStoreRetryDelay"/>.
/// </summary>
public sealed class DocumentReplicator(LedgerNode node, PeerNetwork peers, IDocumentStore documents, NodeOptions options, ILogger<DocumentReplicator> logger) : BackgroundService
{
    private readonly Channel<(Hash256 Hash, long Length)> _queue = Channel.CreateUnbounded<(Hash256, long)>();
    private int _missing;
    private int _storeFailures;

    /// <summary>Documents not yet copied here.</summary>
    public int Missing => Volatile.Read(ref _missing);

    /// <summary>How many times since start this node's disk refused to store a copy (each tried again later).</summary>
    public int StoreFailures => Volatile.Read(ref _storeFailures);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var document in node.MissingDocuments) Enqueue(document.CiphertextHash, document.CiphertextLength);
        node.BlockCommitted += OnCommitted;
        try
        {
            await foreach (var (hash, length) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                var retry = TimeSpan.FromSeconds(2);
                try
                {
                    if (documents.Exists(hash) || await documents.TryRestoreOrphanAsync(hash, stoppingToken))
                    {
                        Interlocked.Decrement(ref _missing);
                        continue;
                    }
                    if (await peers.FetchDocumentAsync(hash, length, documents, stoppingToken) is { } from)
                    {
                        Interlocked.Decrement(ref _missing);
                        Log.DocumentReplicated(logger, hash.ToString(), from);
                        continue;
                    }
                }
                catch (DocumentStoreFailureException e)
                {
                    // This node's disk, not the peers: the copy is tried again later, the others meanwhile.
                    retry = options.DocumentStoreRetryDelay;
                    Interlocked.Increment(ref _storeFailures);
                    Log.DocumentStoreFailed(logger, e.Message, $"the copy of document {hash} is tried again in {retry.TotalSeconds:0} s");
                }
                // No peer has it yet (or none is reachable): try again shortly, without holding up the others.
                _ = Task.Delay(retry, stoppingToken).ContinueWith(_ => _queue.Writer.TryWrite((hash, length)), TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            node.BlockCommitted -= OnCommitted;
        }
    }

    private void OnCommitted(CandidateBlock candidate)
    {
        var block = candidate.Built.Block;
        for (var i = 0; i < block.Transactions.Count; i++)
        {
            if (candidate.Built.Execution.Receipts[i].Verdict != TxVerdict.Ok) continue;
            foreach (var document in block.Transactions[i].Payload.Documents)
            {
                if (!documents.Exists(document.CiphertextHash)) Enqueue(document.CiphertextHash, document.CiphertextLength);
            }
        }
    }

    private void Enqueue(Hash256 hash, long length)
    {
        Interlocked.Increment(ref _missing);
        _queue.Writer.TryWrite((hash, length));
    }
}
