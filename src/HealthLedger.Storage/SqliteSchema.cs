namespace HealthLedger.Storage;

/// <summary>
/// The ledger database schema (version 1). <c>blobs</c> holds record ciphertexts, addressed by their SHA-256; <c>commits</c>
/// the consensus certificate (the signed precommits) that decided each block; <c>consensus</c> the node's own voting state,
/// which must survive a crash so that it never signs two conflicting votes; <c>received_votes</c> the votes it holds for the
/// height it is deciding (re-gossiped after a restart; added by issue 13 with <c>IF NOT EXISTS</c>, so older files gain it on
/// their next writable open); <c>pending_disclosures</c> the disclosures (reads of PHI) the node has served but not yet seen
/// committed on the chain, each the canonical <c>DisclosureEvent</c> encoding under its 32-byte id, in the order they
/// happened (<c>seq</c>); added the same way, with <c>IF NOT EXISTS</c>. The table is kept (empty) for older files: a node
/// now keeps its pending disclosures in their own file (<see cref="PendingDisclosureFile"/>), and opening a ledger for writing
/// moves any rows left here into it.
/// </summary>
internal static class SqliteSchema
{
    public const int Version = 1;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blocks (
            height INTEGER PRIMARY KEY,
            hash   BLOB NOT NULL,
            header BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS transactions (
            height INTEGER NOT NULL,
            idx    INTEGER NOT NULL,
            tx_id  BLOB NOT NULL,
            body   BLOB NOT NULL,
            PRIMARY KEY (height, idx)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS transactions_by_id ON transactions (tx_id);
        CREATE TABLE IF NOT EXISTS receipts (
            height INTEGER NOT NULL,
            idx    INTEGER NOT NULL,
            body   BLOB NOT NULL,
            PRIMARY KEY (height, idx)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blobs (
            hash   BLOB PRIMARY KEY,
            data   BLOB NOT NULL,
            height INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS commits (
            height      INTEGER PRIMARY KEY,
            certificate BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS consensus (
            id    INTEGER PRIMARY KEY CHECK (id = 1),
            state BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS received_votes (
            id    INTEGER PRIMARY KEY CHECK (id = 1),
            votes BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS pending_disclosures (
            seq   INTEGER PRIMARY KEY,
            id    BLOB NOT NULL UNIQUE,
            event BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS state (
            key    TEXT PRIMARY KEY,
            value  BLOB NOT NULL,
            height INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;
}
