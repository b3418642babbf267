using Microsoft.Extensions.Logging;

namespace HealthLedger.Node;

/// <summary>Source-generated log messages. Structured, stable event ids, never PHI, keys or passwords.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Node {NodeId} of network {NetworkId} ready at height {Height}, state root {StateRoot}")]
    public static partial void NodeReady(ILogger logger, string nodeId, string networkId, ulong height, string stateRoot);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The start-up check's record {File} was not used because {Reason}: this start verified every block and document again (it is rewritten now)")]
    public static partial void CheckedRecordUnusable(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "The entry summaries were not kept for the next start ({Reason}): it will open the entries committed since the last kept file from their ciphertexts")]
    public static partial void EntrySummariesNotSaved(ILogger logger, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Integrity sweep started: blocks 0 to {Through} and their record ciphertexts, which this start took on trust up to {Trusted} from the start-up check's record, are read again in the background")]
    public static partial void IntegritySweepStarted(ILogger logger, ulong through, ulong trusted);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Integrity sweep passed: {Blocks} blocks and {Transactions} transactions up to height {Through} and their record ciphertexts match the chain ({Seconds:0.0} s)")]
    public static partial void IntegritySweepPassed(ILogger logger, ulong blocks, ulong transactions, ulong through, double seconds);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Critical, Message = "Integrity sweep failed: {Issue}. The ledger was changed outside the node; the node shuts down, and the next start verifies every block and refuses. Run 'healthledger verify' for a full report, then restore the data folder from a backup (a node of a network of several: rebuild it from its peers with 'healthledger join')")]
    public static partial void IntegritySweepFailed(ILogger logger, string issue);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "Integrity sweep interrupted: {Issue}. No damage was recorded; the node shuts down so that it does not run on what its start took on trust. Check the database (on PostgreSQL a short idle_in_transaction_session_timeout for the node's role ends the sweep's transaction: raise it or set it to 0), then start the node again")]
    public static partial void IntegritySweepInterrupted(ILogger logger, string issue);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "A request could not reach the ledger's database and was answered 503 ({Reason}); nothing was done or saved")]
    public static partial void StoreUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Warning, Message = "The node's document store cannot store a file ({Reason}): {Consequence}. Check the data folder's disk (full, read-only or failing)")]
    public static partial void DocumentStoreFailed(ILogger logger, string reason, string consequence);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Warning, Message = "The node's temporary folder {Folder} refused a form's body while it was read ({Reason}): the request was answered 503 and nothing was saved. Check that folder (full, read-only, missing or failing)")]
    public static partial void TemporaryStorageFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning, Message = "The web sign-in keys cannot be written ({Reason}): the request was answered 503; web pages that need a new key fail until they can. Check keys/web/ in the data folder and its disk (full, read-only or failing); the API is not affected")]
    public static partial void SignInKeysUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Warning, Message = "A report's stored file failed its check when it was read: {Reason}. Nothing of it was given out. Check documents/ in the data folder (a file removed, changed or replaced); restore it from a backup, or in a network remove it and restart the node, which copies it again from a peer")]
    public static partial void StoredFileFailedCheck(ILogger logger, string reason);

    [LoggerMessage(EventId = 1027, Level = LogLevel.Warning, Message = "The keystore (keystore.db: users' sealed keys) could not be written ({Reason}): the request was answered 503 and nothing was saved. Check the data folder's disk (full, read-only or failing)")]
    public static partial void KeystoreFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1029, Level = LogLevel.Warning, Message = "The node has been stopping for {Seconds:0} s: a write on its way out has not returned. Check the disk holding {Folder} (frozen, failing, a network mount gone): the process ends once the disk answers (until then not even kill -9 ends it); the next start checks the folder as after a crash")]
    public static partial void StopWaitsForDisk(ILogger logger, double seconds, string folder);

    [LoggerMessage(EventId = 1028, Level = LogLevel.Warning, Message = "An import job stopped ({Error}): {Cause}. What it wrote stays; its page says to run it again")]
    public static partial void ImportJobFailed(ILogger logger, string error, string cause);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "The ledger's database does not answer ({Reason}): /healthz answers 503 until it does")]
    public static partial void StoreUnreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Information, Message = "The ledger's database answers again: /healthz answers 200")]
    public static partial void StoreReachableAgain(ILogger logger);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "The ledger's database is out of reach ({Reason}): {What} is tried again until it answers, for at most {Minutes} minutes; meanwhile writes wait and reads that need the database are answered 503")]
    public static partial void StoreWriteWaits(ILogger logger, string what, string reason, double minutes);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "The ledger's database is still out of reach after {Seconds:0} s ({Reason}): {What} is tried again until it answers, for at most {Minutes} minutes")]
    public static partial void StoreWriteStillWaits(ILogger logger, string what, double seconds, string reason, double minutes);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "The node stops while {What} waits for the ledger's database: it was not written; the next start goes on from block {Tip}")]
    public static partial void StoreWriteAbandoned(ILogger logger, string what, ulong tip);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "The node stops with {Pending} transaction(s) taken at the door but not yet in a committed block: this node does not keep them (its mempool is not durable; in a network, the other nodes may still commit those forwarded to them). A sender whose transaction is not found committed sends it again: one that did commit is refused by its nonce")]
    public static partial void MempoolDropped(ILogger logger, int pending);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Information, Message = "The ledger's database answers again: {What} done after {Seconds:0.0} s")]
    public static partial void StoreWriteResumed(ILogger logger, string what, double seconds);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "The kept state tree {File} was not used because {Reason}: this start hashed every state entry (a new one is kept at the next clean stop)")]
    public static partial void StateTreeUnusable(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Integrity sweep started: the world state this start loaded, whose tree it built from the kept state tree without hashing the entries, is read again from the view it was loaded from and checked against that tree in the background")]
    public static partial void StateSweepStarted(ILogger logger);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Integrity sweep passed: the world state loaded at height {Height} matches that block's state tree, entry by entry ({Seconds:0.0} s)")]
    public static partial void StateSweepPassed(ILogger logger, ulong height, double seconds);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Committed block {Height} with {TxCount} transaction(s) ({Rejected} rejected) in {ElapsedMs} ms")]
    public static partial void BlockCommitted(ILogger logger, ulong height, int txCount, int rejected, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Refused a transaction at the door: {Verdict}")]
    public static partial void DoorRejected(ILogger logger, Core.Ledger.TxVerdict verdict);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Critical, Message = "Block production stopped: {What} failed; the node shuts down: {Reason}")]
    public static partial void CommitFailed(ILogger logger, Exception? exception, string what, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Critical, Message = "Block production stopped: the ledger store refuses writes from now on (found at height {Height}, with no write under way); the node shuts down")]
    public static partial void StoreFailed(ILogger logger, Exception exception, ulong height);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Critical, Message = "A state value read from the store does not match the chain: {Issue}. The ledger was changed outside the node; the node shuts down, and the next start refuses. Run 'healthledger verify' for a full report, then restore the data folder from a backup (a node of a network of several: rebuild it from its peers with 'healthledger join')")]
    public static partial void StateDamaged(ILogger logger, string issue);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "User {UserId} ({Role}) logged in")]
    public static partial void LoggedIn(ILogger logger, string userId, Core.Model.Role role);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Login refused: {Reason}")]
    public static partial void LoginFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "User {UserId} changed their password")]
    public static partial void PasswordChanged(ILogger logger, string userId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Password of user {UserId} was reset")]
    public static partial void PasswordReset(ILogger logger, string userId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "The login of user {UserId} (version {Version}) was not published to the organisation's other nodes: {Reason}")]
    public static partial void LoginNotPublished(ILogger logger, string userId, ulong version, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Access denied: user {UserId} ({Role}) tried to {Action} {Target}")]
    public static partial void AccessDenied(ILogger logger, string userId, Core.Model.Role role, string action, string target);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "A batch of {Count} disclosure events could not be recorded; they stay pending and are sent again in {RetrySeconds} s")]
    public static partial void DisclosureBatchFailed(ILogger logger, Exception exception, int count, double retrySeconds);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "The pending disclosure events could not be read or cleared: the ledger's database is out of reach ({Reason}); they stay pending and are tried again in {RetrySeconds} s")]
    public static partial void DisclosuresWaitForStore(ILogger logger, string reason, double retrySeconds);

    [LoggerMessage(EventId = 2051, Level = LogLevel.Information, Message = "{Count} disclosure events left pending by an earlier run are being recorded")]
    public static partial void DisclosuresResumed(ILogger logger, long count);

    [LoggerMessage(EventId = 2052, Level = LogLevel.Warning, Message = "The node stopped with {Count} disclosure events not yet on the chain; they are kept and recorded at the next start")]
    public static partial void DisclosuresLeftPending(ILogger logger, long count);

    [LoggerMessage(EventId = 2054, Level = LogLevel.Error, Message = "A read was refused (503): its disclosure could not be stored in the node's disclosure store: {Reason}")]
    public static partial void ReadRefusedUnrecorded(ILogger logger, string reason);

    [LoggerMessage(EventId = 2055, Level = LogLevel.Warning, Message = "The name index and area tag of patient {PatientId}, whose registration waits for its block, were not handed to the ledger ({Reason}): the node indexes the name once the registration commits; set the area again on the patient's page")]
    public static partial void PendingIndexNotSent(ILogger logger, string patientId, string reason);

    [LoggerMessage(EventId = 2053, Level = LogLevel.Error, Message = "A pending disclosure event ({Id}) is unreadable and is dropped")]
    public static partial void DisclosureUnreadable(ILogger logger, string id);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Consensus: {Validators} validator(s), this node {Voting}; starting at height {Height}, round {Round}")]
    public static partial void ConsensusStarting(ILogger logger, int validators, string voting, ulong height, int round);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Refused the block proposed for height {Height}: {Reason}")]
    public static partial void ProposalRefused(ILogger logger, ulong height, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Synced block {Height} from peer {Peer}")]
    public static partial void BlockSynced(ILogger logger, ulong height, string peer);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Refused block {Height} from peer {Peer}: {Reason}")]
    public static partial void SyncRefused(ILogger logger, ulong height, string peer, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Peer {Peer} at {Address} is {State}")]
    public static partial void PeerState(ILogger logger, string peer, string address, string state);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "The validator set changed at height {Height}: {Validators} validator(s)")]
    public static partial void ValidatorsChanged(ILogger logger, ulong height, int validators);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Replicated document {Hash} from peer {Peer}")]
    public static partial void DocumentReplicated(ILogger logger, string hash, string peer);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Peer endpoint listening on {Address}")]
    public static partial void PeerEndpoint(ILogger logger, string address);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "The ledger ends at block {Height} but its tip record says block {Recorded} was committed: recovering the missing blocks from peers; this node does not vote until a block after {Recorded} arrives")]
    public static partial void Recovering(ILogger logger, ulong height, ulong recorded);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Recovered from peers past the recorded tip {Recorded}; voting again at height {Height}")]
    public static partial void Recovered(ILogger logger, ulong recorded, ulong height);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Consensus: {Count} vote(s) held for height {Height} before the restart restored for re-gossip")]
    public static partial void ReceivedVotesRestored(ILogger logger, int count, ulong height);
}
