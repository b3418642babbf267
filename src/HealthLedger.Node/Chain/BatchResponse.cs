namespace HealthLedger.Node.Chain;

/// <summary>The door verdicts of a batch, in submission order.</summary>
/// <param name="Accepted">Transactions that entered the mempool.</param>
/// <param name="Refused">Transactions refused at the door.</param>
/// <param name="Results">One entry per transaction.</param>
public sealed record BatchResponse(int Accepted, int Refused, IReadOnlyList<BatchItemResponse> Results);

/// <summary>One transaction's door verdict.</summary>
/// <param name="Id">Transaction id, when it decoded.</param>
/// <param name="Verdict">"Ok" or why it was refused.</param>
/// <param name="Reason">The reason; empty when accepted.</param>
public sealed record BatchItemResponse(string? Id, string Verdict, string Reason);
