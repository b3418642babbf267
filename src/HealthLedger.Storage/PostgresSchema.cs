namespace HealthLedger.Storage;

/// <summary>
/// The ledger schema in PostgreSQL (version 1): the same tables and columns as <see cref="SqliteSchema"/>, in the database's
/// default schema (<c>public</c>), with <c>bigint</c> heights, <c>bytea</c> bytes and state keys in the <c>"C"</c> collation
/// (compared as UTF-8 bytes, the ordinal order every store returns them in). <c>pending_disclosures.seq</c> is an identity
/// column (the order they happened).
/// </summary>
internal static class PostgresSchema
{
    public const int Version = 1;

    /// <summary>The tables a HealthLedger ledger holds (a database holding any other table is not given to a new ledger).</summary>
    public static readonly string[] Tables = ["meta", "blocks", "transactions", "receipts", "blobs", "commits", "consensus", "received_votes", "pending_disclosures", "state"];

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (
            name  text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS blocks (
            height bigint PRIMARY KEY,
            hash   bytea NOT NULL,
            header bytea NOT NULL
        );
        CREATE TABLE IF NOT EXISTS transactions (
            height bigint NOT NULL,
            idx    integer NOT NULL,
            tx_id  bytea NOT NULL,
            body   bytea NOT NULL,
            PRIMARY KEY (height, idx)
        );
        CREATE INDEX IF NOT EXISTS transactions_by_id ON transactions (tx_id);
        CREATE TABLE IF NOT EXISTS receipts (
            height bigint NOT NULL,
            idx    integer NOT NULL,
            body   bytea NOT NULL,
            PRIMARY KEY (height, idx)
        );
        CREATE TABLE IF NOT EXISTS blobs (
            hash   bytea PRIMARY KEY,
            data   bytea NOT NULL,
            height bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS commits (
            height      bigint PRIMARY KEY,
            certificate bytea NOT NULL
        );
        CREATE TABLE IF NOT EXISTS consensus (
            id    integer PRIMARY KEY CHECK (id = 1),
            state bytea NOT NULL
        );
        CREATE TABLE IF NOT EXISTS received_votes (
            id    integer PRIMARY KEY CHECK (id = 1),
            votes bytea NOT NULL
        );
        CREATE TABLE IF NOT EXISTS pending_disclosures (
            seq   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id    bytea NOT NULL UNIQUE,
            event bytea NOT NULL
        );
        CREATE TABLE IF NOT EXISTS state (
            key    text COLLATE "C" PRIMARY KEY,
            value  bytea NOT NULL,
            height bigint NOT NULL
        );
        """;
}
