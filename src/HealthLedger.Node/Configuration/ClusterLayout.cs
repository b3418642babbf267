namespace HealthLedger.Node.Configuration;

/// <summary>
/// Where the nodes of a local network made by <c>init --nodes N</c> live: folder <c>node-K</c>, the web UI and API on
/// <c>base + K − 1</c>, the peer (gRPC) endpoint on <c>base + 100 + K − 1</c>.
/// </summary>
/// <param name="Nodes">Number of voting nodes.</param>
/// <param name="BasePort">The first node's web port.</param>
/// <param name="Host">The host name peers dial and the web UI is announced on.</param>
public sealed record ClusterLayout(int Nodes, int BasePort = 5080, string Host = "127.0.0.1")
{
    /// <summary>Distance between a node's web port and its peer port.</summary>
    public const int PeerPortOffset = 100;

    /// <summary>Where <c>init --nodes</c> leaves a copy of each node's keys, node.json and initial logins (for <c>join</c>).</summary>
    public const string BackupFolder = "key-backups";

    /// <summary>The folder of node <paramref name="k"/> (1-based).</summary>
    public static string FolderOf(int k) => $"node-{k}";

    /// <summary>The web UI and API address of node <paramref name="k"/>.</summary>
    public string WebUrl(int k) => $"http://{Host}:{BasePort + k - 1}";

    /// <summary>The peer endpoint of node <paramref name="k"/>.</summary>
    public string PeerAddress(int k) => $"http://{Host}:{BasePort + PeerPortOffset + k - 1}";
}
