using HealthLedger.Testing;
using Npgsql;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// The ledger store contract on a real PostgreSQL server (started by <see cref="PostgresFixture"/>, a database per test), and what
/// only PostgreSQL has: the schema made at creation, refusals of a database that is not an empty one or not a ledger, an
/// unreachable server, read-only sessions.
/// </summary>
public sealed class PostgresLedgerStoreTests(PostgresFixture postgres) : LedgerStoreContract, IClassFixture<PostgresFixture>
{
    private readonly List<TempDirectory> _folders = [];
    private string _database = "";
    private string _connectionString = "";

    // The data folder's nominal ledger path: the tip record is kept beside it.
    private string LocalPath => _folders[^1].Combine(SqliteLedgerStore.FileName);

    /// <inheritdoc/>
    protected override ILedgerStore CreateStore()
    {
        _folders.Add(new TempDirectory());
        (_database, _connectionString) = postgres.NewDatabase();
        return PostgresLedgerStore.Open(_connectionString, LocalPath, create: true);
    }

    /// <inheritdoc/>
    protected override ILedgerStore ReopenStore() => PostgresLedgerStore.Open(_connectionString, LocalPath, create: false);

    /// <inheritdoc/>
    /// <remarks>A trigger PostgreSQL runs inside the commit's own transaction, created from another connection as an outside tool would.</remarks>
    protected override IDisposable InjectFailure(ILedgerStore store, CommitFailurePoint point)
    {
        var (table, condition) = point switch
        {
            CommitFailurePoint.StateWrite => ("state", "NEW.key = 'user/boom'"),
            CommitFailurePoint.Certificate => ("commits", "true"),
            CommitFailurePoint.ConsensusState => ("consensus", "true"),
            _ => throw new ArgumentOutOfRangeException(nameof(point)),
        };
        Sql($"CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF {condition} THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; " +
            $"CREATE TRIGGER fail BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION fail();");
        return new Undo(() => Sql($"DROP TRIGGER fail ON {table}; DROP FUNCTION fail();"));
    }

    /// <inheritdoc/>
    protected override Type StorageFailure => typeof(PostgresException);

    // Break-it (2026-12-05): with the primary key dropped and a state row inserted twice, the node's start failed with an
    // unhandled ArgumentException and its stack trace; it is the stored state's damage, refused in the check's own words.
    [Fact]
    public void A_state_key_stored_twice_is_refused_as_damage_by_the_start_up_check()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net);
        Sql("ALTER TABLE state DROP CONSTRAINT state_pkey; INSERT INTO state SELECT * FROM state WHERE key = 'user/user-2-3';");
        using var folder = new TempDirectory();
        var refused = Assert.Throws<InvalidDataException>(() => StoreVerifier.Verify(store, new DocumentStore(folder.Combine("documents")), VerifyMode.Quick));
        Assert.Equal("The stored world state is damaged: Key 'user/user-2-3' appears twice.", refused.Message);
        // The same when its prefix's values are hashed as read and kept as keys only (a node's start without a kept tree).
        var keysOnly = Assert.Throws<InvalidDataException>(() => StoreVerifier.Verify(store, new DocumentStore(folder.Combine("documents")), VerifyMode.Quick,
            keptTree: _ => null, valuesOnDemand: ["user/"]));
        Assert.Equal("The stored world state is damaged: Key 'user/user-2-3' appears twice.", keysOnly.Message);
    }

    [Fact]
    public void Creating_makes_the_schema_and_the_tip_record_is_a_file_beside_the_local_path()
    {
        using (var store = CreateStore()) LedgerFixture.Fill(store, Net, blocks: 2);
        Assert.Equal(1, Count("SELECT COUNT(*) FROM meta WHERE name = 'schema_version' AND value = '1'"));
        Assert.Equal(2, Count("SELECT COUNT(*) FROM blocks"));
        Assert.False(File.Exists(LocalPath));
        Assert.Equal(new LedgerTip(1, Net.Blocks[1].Block.Header.Hash), LedgerTip.Read(LocalPath));
    }

    [Fact]
    public void A_database_that_holds_a_network_is_refused_at_creation_and_nothing_changes()
    {
        using (var store = CreateStore()) LedgerFixture.Fill(store, Net, blocks: 2);
        _folders.Add(new TempDirectory());
        var e = Assert.Throws<InvalidOperationException>(() => PostgresLedgerStore.Open(_connectionString, LocalPath, create: true));
        Assert.Contains($"already holds a ledger (network '{TestNetwork.NetworkId}', blocks 0 to 1)", e.Message);
        Assert.Contains($"PostgreSQL database '{_database}' on 127.0.0.1:{postgres.Server.Port} as user 'postgres'", e.Message);
        Assert.Equal(2, Count("SELECT COUNT(*) FROM blocks"));
        Assert.False(File.Exists(LedgerTip.PathFor(LocalPath)));
    }

    [Fact]
    public void A_database_that_is_not_a_ledger_is_refused_for_opening_and_for_creation()
    {
        using (CreateStore())
        {
        }
        Sql("DROP TABLE meta");
        var notLedger = Assert.Throws<StoreCorruptException>(() => PostgresLedgerStore.Open(_connectionString, LocalPath, create: false));
        Assert.Contains("is not a HealthLedger ledger (no meta table)", notLedger.Message);
        Assert.Throws<StoreCorruptException>(() => PostgresLedgerStore.OpenReadOnly(_connectionString, LocalPath));
        var other = Assert.Throws<InvalidOperationException>(() => PostgresLedgerStore.Open(_connectionString, LocalPath, create: true));
        Assert.Contains("holds tables that are not a HealthLedger ledger (blobs, blocks, commits", other.Message);
        Assert.Equal(0, Count("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'meta'"));
    }

    [Fact]
    public void A_ledger_of_another_schema_version_is_refused()
    {
        using (CreateStore())
        {
        }
        Sql("UPDATE meta SET value = '2' WHERE name = 'schema_version'");
        var e = Assert.Throws<StoreCorruptException>(() => PostgresLedgerStore.Open(_connectionString, LocalPath, create: false));
        Assert.Contains("schema version '2'", e.Message);
    }

    [Fact]
    public void An_unreachable_server_or_a_wrong_login_fails_clearly_without_the_password()
    {
        using var folder = new TempDirectory();
        var local = folder.Combine(SqliteLedgerStore.FileName);
        const string Secret = "s3cret-Pa55word";
        var closedPort = FreePort();
        var unreachable = Assert.Throws<StoreUnavailableException>(() =>
            PostgresLedgerStore.Open($"Host=127.0.0.1;Port={closedPort};Database=ledger;Username=clinic;Password={Secret};Timeout=3", local, create: true));
        Assert.StartsWith($"cannot connect to the ledger's PostgreSQL database 'ledger' on 127.0.0.1:{closedPort} as user 'clinic': ", unreachable.Message);
        Assert.DoesNotContain(Secret, unreachable.Message);
        var noDatabase = Assert.Throws<StoreUnavailableException>(() =>
            PostgresLedgerStore.Open(postgres.Server.ConnectionString("no_such_database", $"Password={Secret}"), local, create: true));
        Assert.Contains("does not exist", noDatabase.Message);
        Assert.DoesNotContain(Secret, noDatabase.Message);
        var garbage = Assert.Throws<StoreUnavailableException>(() => PostgresLedgerStore.Open($"Hots=db;Password={Secret}", local, create: true));
        Assert.StartsWith("the PostgreSQL connection string does not parse", garbage.Message);
        Assert.DoesNotContain(Secret, garbage.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    // A commit while the server is down fails as an outage (the node tries it again) and stores nothing; the same block commits
    // once the server is back. A write the server refuses (a table gone) is not an outage: the node stops on it.
    [Fact]
    public async Task A_commit_while_the_server_is_down_is_an_outage_and_the_same_block_commits_once_it_is_back()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 2);
        var next = Net.Append(1_700_000_009_000, [Net.Register("during-outage")]);
        try
        {
            postgres.Server.Shutdown();
            var down = Assert.ThrowsAny<Exception>(() => store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes));
            Assert.True(StoreUnavailableException.IsOutage(down), down.ToString());
            Assert.True(StoreUnavailableException.IsDatabaseFailure(down));
            Assert.Equal(1UL, store.TipHeight);
        }
        finally
        {
            await postgres.Server.StartAgainAsync(TestContext.Current.CancellationToken);
        }
        store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes);
        Assert.Equal(2UL, store.TipHeight);
        Assert.Equal(3, Count("SELECT COUNT(*) FROM blocks"));

        Sql("ALTER TABLE receipts RENAME TO receipts_moved");
        var after = Net.Append(1_700_000_010_000, [Net.Register("after-outage")]);
        var refused = Assert.ThrowsAny<Exception>(() => store.Commit(after.Block, after.Execution.Receipts, after.Execution.Changes));
        Assert.False(StoreUnavailableException.IsOutage(refused), refused.ToString());
        Assert.True(StoreUnavailableException.IsDatabaseFailure(refused));
        Assert.Equal(3, Count("SELECT COUNT(*) FROM blocks"));
        Assert.False(StoreUnavailableException.IsOutage(new IOException("No space left on device")));
    }

    // Break-it (2026-12-06): a try at a block whose answer was lost, still in COMMIT when the store asked whether it landed
    // (its backend frozen), committed after the store had started writing the block again: the second try met the primary key
    // (23505) and the node halted. The same block found stored at its height is the earlier try's: it is committed, once.
    [Fact]
    public void A_block_an_earlier_try_committed_after_all_is_taken_as_committed_not_written_twice()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 2);
        var next = Net.Append(1_700_000_009_000, [Net.Register("landed-late")]);
        using (var folder = new TempDirectory())
        using (var earlier = PostgresLedgerStore.Open(_connectionString, folder.Combine(SqliteLedgerStore.FileName), create: false))
        {
            earlier.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes); // the earlier try, landing late
        }
        store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes);
        Assert.Equal(2UL, store.TipHeight);
        Assert.Equal(3, Count("SELECT COUNT(*) FROM blocks"));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM transactions WHERE height = 2"));
        Assert.Equal(new LedgerTip(2, next.Block.Header.Hash), store.ReadRecordedTip());
    }

    [Fact]
    public void A_store_opened_read_only_reads_but_refuses_writes_and_its_sessions_are_read_only()
    {
        using (var writer = CreateStore()) LedgerFixture.Fill(writer, Net);
        using var store = PostgresLedgerStore.OpenReadOnly(_connectionString, LocalPath);
        Assert.Equal(3UL, store.TipHeight);
        Assert.Equal(4, store.ReadBlocks().Count());
        var next = Net.Append(1_700_000_009_000, [Net.Register("late")]);
        Assert.Throws<InvalidOperationException>(() => store.Commit(next.Block, next.Execution.Receipts, next.Execution.Changes));
        Assert.Throws<InvalidOperationException>(() => store.SaveConsensusState([1]));
        Assert.False(store.Checkpoint());
        Assert.Equal(3UL, store.TipHeight);
        Assert.Null(store.ReadConsensusState());
    }

    [Fact]
    public void ReadBlocks_streams_more_blocks_than_one_query_reads_and_counts_rows_of_a_missing_block_as_orphans()
    {
        using var store = CreateStore();
        LedgerFixture.Fill(store, Net, blocks: 300, txsPerBlock: 1);
        var all = store.ReadBlocks().ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (ulong)i), all.Select(b => b.Height));
        Assert.All(all.Skip(1), b => Assert.Single(b.Transactions));
        Assert.Equal(new ulong[] { 127, 128, 129 }, store.ReadBlocks(127, 129).Select(b => b.Height));
        Sql("DELETE FROM blocks WHERE height = 200");
        var orphans = new OrphanCounter();
        var read = store.ReadBlocks(orphans: orphans).ToList();
        Assert.Equal(299, read.Count);
        Assert.Equal(2, orphans.Count); // block 200's transaction and receipt
    }

    [Fact]
    public void A_database_older_than_the_tip_record_in_the_folder_is_found_as_lost_blocks()
    {
        using (var store = CreateStore()) LedgerFixture.Fill(store, Net);
        // As a restored older dump: the last block gone from the database, the folder's tip record still naming it.
        Sql("DELETE FROM receipts WHERE height = 3; DELETE FROM transactions WHERE height = 3; DELETE FROM blocks WHERE height = 3");
        using var reopened = ReopenStore();
        Assert.Equal(2UL, reopened.TipHeight);
        var issue = StoreVerifier.CheckTipRecord(reopened);
        Assert.NotNull(issue);
        Assert.Equal(3UL, issue.Height);
        Assert.Contains("committed blocks 3 to 3 (1) are missing", issue.ToString());
        Assert.Contains("a database restored from a dump older than its tip record", issue.ToString());
        Assert.False(StoreVerifier.Verify(reopened, NoDocuments()).Ok);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var folder in _folders) folder.Dispose();
    }

    private void Sql(string sql) => postgres.Server.ExecuteAsync(_database, sql).GetAwaiter().GetResult();

    private long Count(string sql)
    {
        using var connection = new NpgsqlConnection(postgres.Server.ConnectionString(_database, "Pooling=false"));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (long)command.ExecuteScalar()!;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
