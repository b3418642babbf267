namespace HealthLedger.Storage;

/// <summary>
/// Where a node's ledger lives, and the one way to open it: the embedded SQLite file <c>ledger.db</c> in its data folder (the
/// default), or a PostgreSQL database (<see cref="PostgresLedgerStore"/>) named by a connection string (node.json's
/// <c>"store"</c> setting, set by <c>healthledger init --store</c>). Either way the data folder keeps the node's keys, the users'
/// keystore (<c>keystore.db</c>, SQLite), the document files, the tip record <c>ledger.tip</c> and the start-up check's record
/// <c>ledger.checked</c> and the kept state tree <c>ledger.tree</c>.
/// </summary>
/// <remarks>
/// Not a record: its text form (<see cref="ToString"/>) and its messages never show the connection string, which may hold a
/// password.
/// </remarks>
public sealed class LedgerLocation
{
    /// <summary>The value of the <c>store</c> setting that selects the embedded SQLite file (also the meaning of no setting).</summary>
    public const string SqliteSetting = "sqlite";

    private readonly string? _connectionString;

    /// <summary>The ledger of the node whose data folder is <paramref name="dataFolder"/>, stored as <paramref name="store"/> says
    /// (null, empty or <c>sqlite</c>: the SQLite file; otherwise a PostgreSQL connection string).</summary>
    public LedgerLocation(string dataFolder, string? store = null)
    {
        ArgumentNullException.ThrowIfNull(dataFolder);
        DataFolder = Path.GetFullPath(dataFolder);
        _connectionString = IsPostgresSetting(store) ? store!.Trim() : null;
    }

    /// <summary>The node's data folder (absolute).</summary>
    public string DataFolder { get; }

    /// <summary>
    /// The SQLite ledger file <c>DATA/ledger.db</c>; for a PostgreSQL ledger only the name the local records are kept beside
    /// (<c>ledger.tip</c>, <c>ledger.checked</c>, <c>ledger.tree</c>): no file of that name is made.
    /// </summary>
    public string LedgerPath => Path.Combine(DataFolder, SqliteLedgerStore.FileName);

    /// <summary>The document files (<c>DATA/documents</c>), which stay in the data folder whatever the store.</summary>
    public string DocumentsPath => Path.Combine(DataFolder, DocumentStore.FolderName);

    /// <summary>True when the ledger is in PostgreSQL.</summary>
    public bool IsPostgres => _connectionString is not null;

    /// <summary>
    /// True when the data folder holds a ledger: the SQLite file, or for PostgreSQL the tip record its first commit wrote (the
    /// database is not asked).
    /// </summary>
    public bool Exists => File.Exists(IsPostgres ? LedgerTip.PathFor(LedgerPath) : LedgerPath);

    /// <summary>True when a <c>store</c> setting names PostgreSQL (anything but nothing, blanks or <c>sqlite</c>).</summary>
    public static bool IsPostgresSetting(string? store) =>
        !string.IsNullOrWhiteSpace(store) && !store.Trim().Equals(SqliteSetting, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Why a <c>store</c> setting cannot be used (one line, never quoting the connection string), or null. No setting (null) is the
    /// SQLite file; an empty or blank one is a problem, not SQLite in silence; a connection string must name its Host and Database.
    /// </summary>
    public static string? SettingProblem(string? store) =>
        store is not null && string.IsNullOrWhiteSpace(store) ? "it is empty (leave it out, or write 'sqlite', for the ledger.db file; or give a PostgreSQL connection string)"
        : IsPostgresSetting(store) ? PostgresLedgerStore.ConnectionStringProblem(store!.Trim())
        : null;

    /// <summary>Opens the ledger (creating it when <paramref name="create"/> is set), as <see cref="SqliteLedgerStore.Open"/> or <see cref="PostgresLedgerStore.Open"/>.</summary>
    /// <exception cref="FileNotFoundException">SQLite: no ledger file and <paramref name="create"/> is false.</exception>
    /// <exception cref="StoreCorruptException">Not a HealthLedger ledger of a known version.</exception>
    /// <exception cref="StoreUnavailableException">PostgreSQL: the server cannot be used (see <see cref="PostgresLedgerStore.Open"/>).</exception>
    /// <exception cref="InvalidOperationException">PostgreSQL with <paramref name="create"/>: the database already holds a network or other tables.</exception>
    public ILedgerStore Open(bool create, LedgerStoreOptions? options = null) => IsPostgres
        ? PostgresLedgerStore.Open(_connectionString!, LedgerPath, create, options)
        : SqliteLedgerStore.Open(LedgerPath, create, options);

    /// <summary>Opens an existing ledger for reading only (verification), as <see cref="Open"/> without creating.</summary>
    public ILedgerStore OpenReadOnly() => IsPostgres
        ? PostgresLedgerStore.OpenReadOnly(_connectionString!, LedgerPath)
        : SqliteLedgerStore.OpenReadOnly(LedgerPath);

    /// <summary>Where the ledger is, for messages: the SQLite file's path, or the PostgreSQL server, database and user (never a password).</summary>
    public override string ToString() => IsPostgres ? PostgresLedgerStore.Describe(_connectionString!) : LedgerPath;
}
