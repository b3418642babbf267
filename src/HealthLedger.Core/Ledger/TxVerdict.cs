namespace HealthLedger.Core.Ledger;

/// <summary>
/// The outcome of checking or executing a transaction. Values are stable: they are stored in receipts.
/// Checks that need no state (encoding, size, signature) give the first group; checks against the world
/// state give the second; the mempool adds the last.
/// </summary>
public enum TxVerdict : byte
{
    /// <summary>Accepted.</summary>
    Ok = 0,

    // state-independent
    /// <summary>The bytes are not a canonical transaction encoding.</summary>
    Malformed = 1,
    /// <summary>The encoding version is not one this node understands.</summary>
    UnsupportedVersion = 2,
    /// <summary>The transaction kind is not known.</summary>
    UnknownKind = 3,
    /// <summary>The transaction is larger than the network's limit.</summary>
    TooLarge = 4,
    /// <summary>The signature does not verify for the signer's key over this network's signing message.</summary>
    BadSignature = 5,
    /// <summary>A payload field is missing, out of range or badly formed.</summary>
    InvalidField = 6,

    // state-dependent
    /// <summary>The nonce is not above the signer's last used nonce (a replay or a stale transaction).</summary>
    BadNonce = 10,
    /// <summary>The signing key belongs to no registered user, organisation or node.</summary>
    UnknownSigner = 11,
    /// <summary>The signer may not do this (wrong role or organisation).</summary>
    Unauthorized = 12,
    /// <summary>The record to create exists already (user id, signing key).</summary>
    AlreadyExists = 13,
    /// <summary>A record the transaction refers to does not exist.</summary>
    NotFound = 14,
    /// <summary>The transaction is only valid at another place in the chain (e.g. genesis after block 0).</summary>
    WrongPlace = 15,
    /// <summary>The transaction was built on an outdated version of a record.</summary>
    Conflict = 16,
    /// <summary>
    /// The client request the transaction carries out (<see cref="Transactions.RequestMarker"/>) was already carried out by
    /// another run of it, whose first committed transaction the reason names: a retry sent to another node, or after a restart.
    /// </summary>
    RepeatedRequest = 17,

    // mempool (never stored in a receipt)
    /// <summary>The same transaction is already waiting or committed.</summary>
    Duplicate = 20,
    /// <summary>The mempool is full; try again later.</summary>
    Busy = 21,
}
