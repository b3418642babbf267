using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using HealthLedger.Core.State;
using HealthLedger.Node.Ledger;
using Microsoft.Extensions.Hosting;

namespace HealthLedger.Node.Security;

/// <summary>
/// Publishes the logins this node holds but the chain does not (<see cref="AccountService.PublishPendingAsync"/>) whenever
/// another node of the organisation could use them: at start, and again when the organisation's node list changes, while
/// the organisation has two or more nodes and this node is one of them. The first admin made by <c>init</c>,
/// <c>consortium up</c> or a join request has no registration that publishes their login, so without this they could log in
/// only at nodes whose folder holds a copy, until their first password change. A one-node organisation publishes nothing
/// (no other node to log in at); a publication that does not commit (no quorum yet) is tried again every few seconds.
/// </summary>
public sealed class LoginPublisher(LedgerNode node, AccountService accounts, OrganisationKeys organisation) : BackgroundService
{
    /// <summary>The wait before trying again while some login did not commit.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile string? _settled; // the node list (and this node's id) of the last pass that left nothing to publish

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        node.BlockCommitted += OnBlock;
        try
        {
            _wake.Writer.TryWrite(true);
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                var nodes = OrganisationNodes();
                var key = Key(nodes);
                if (nodes.Count < 2 || !nodes.Contains(node.NodeId) || await accounts.PublishPendingAsync(stoppingToken) == 0)
                {
                    _settled = key;
                    continue;
                }
                _settled = null;
                await Task.Delay(RetryDelay, stoppingToken);
                _wake.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            node.BlockCommitted -= OnBlock;
        }
    }

    // A block that changes the organisation's node list (a node added, removed or admitted) asks for another pass.
    private void OnBlock(CandidateBlock block)
    {
        if (_settled is { } settled && settled == Key(OrganisationNodes())) return;
        _wake.Writer.TryWrite(true);
    }

    private string Key(IReadOnlyList<string> nodes) => node.NodeId + "|" + string.Join(",", nodes);

    private IReadOnlyList<string> OrganisationNodes() => Core.Governance.Consortium.NodesOf(new NodeState(node), organisation.Id);

    private sealed class NodeState(LedgerNode node) : IStateReader
    {
        public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value) => (value = node.GetState(key)) is not null;
    }
}
