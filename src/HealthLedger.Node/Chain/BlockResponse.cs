namespace HealthLedger.Node.Chain;

/// <summary>A committed block's header fields, hash and transactions with their outcomes.</summary>
/// <param name="Height">Height.</param>
/// <param name="Hash">Block hash (SHA-256 of the unsigned header).</param>
/// <param name="PreviousHash">Previous block's hash.</param>
/// <param name="Timestamp">Block time (UTC).</param>
/// <param name="TimestampMs">Block time, Unix milliseconds, as signed.</param>
/// <param name="TxCount">Number of transactions.</param>
/// <param name="TxRoot">Merkle root of the transaction ids.</param>
/// <param name="StateRoot">World-state root after the block.</param>
/// <param name="ReceiptsRoot">Merkle root of the receipts.</param>
/// <param name="Proposer">Proposer's public key.</param>
/// <param name="Signature">Proposer's signature.</param>
/// <param name="Transactions">The transactions in order.</param>
/// <param name="Precommits">The public signing keys of the validators whose precommits make the block's commit certificate
/// (the quorum that decided it, as stored by this node), in key order; empty for genesis.</param>
public sealed record BlockResponse(
    ulong Height, string Hash, string PreviousHash, DateTimeOffset Timestamp, ulong TimestampMs, int TxCount,
    string TxRoot, string StateRoot, string ReceiptsRoot, string Proposer, string Signature,
    IReadOnlyList<BlockTransactionResponse> Transactions, IReadOnlyList<string> Precommits);

/// <summary>One transaction of a block.</summary>
/// <param name="Index">Position in the block.</param>
/// <param name="Id">Transaction id.</param>
/// <param name="Kind">Transaction kind.</param>
/// <param name="Signer">Signer's public key.</param>
/// <param name="Nonce">Signer's nonce.</param>
/// <param name="Outcome">"Ok" or the rejection verdict.</param>
/// <param name="Reason">Why it was rejected; empty when accepted.</param>
public sealed record BlockTransactionResponse(int Index, string Id, string Kind, string Signer, ulong Nonce, string Outcome, string Reason);
