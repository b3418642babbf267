namespace HealthLedger.Node.Hosting;

/// <summary>The peer refused this node's key: it is not (yet) a node of the network.</summary>
public sealed class NotAdmittedException(string message) : InvalidOperationException(message);
