namespace HealthLedger.Node.Configuration;

/// <summary>Settings of a running node.</summary>
public sealed record NodeOptions
{
    /// <summary>The data folder.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// Whether a missing <c>keystore.db</c> is made anew, empty (<c>up --new-keystore</c>); otherwise the start is refused naming it
    /// (<see cref="Storage.Keystore.Open"/>). A network <c>up</c> creates has a new keystore either way.
    /// </summary>
    public bool NewKeystore { get; init; }

    /// <summary>
    /// Most entries (encounters, account lines) whose whole decrypted content the read model keeps, for the patients read
    /// most recently (default 50,000; 0 keeps none). Every entry's summary is always held; the rest is opened again from
    /// the ciphertext store when a patient no longer cached is read (<see cref="Encounters.EntryStore"/>).
    /// </summary>
    public int EntryCacheEntries { get; init; } = 50_000;

    /// <summary>
    /// From this many records of one kind (and at least a quarter of all the kinds' records, <see cref="Records.RecordOpener.ScanShare"/>),
    /// the read model's load at start finds their ciphertexts in one pass over the store instead of one lookup each
    /// (<see cref="Records.RecordOpener.ScanFrom"/>; default
    /// <see cref="Records.RecordOpener.DefaultScanFrom"/>). Code-level setting: the same records open either way.
    /// </summary>
    public int ScanCiphertextsFrom { get; init; } = Records.RecordOpener.DefaultScanFrom;

    /// <summary>
    /// Longest a write (and a printout's record) waits for its transaction to commit before it is answered 409 "it may still
    /// commit" (a network without a quorum commits nothing). Code-level setting.
    /// </summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest wait for a batch of disclosure events to fill (500 events) before it is sent as one transaction; a flush (the
    /// patient's access pages, a graceful stop) sends at once. Code-level setting.
    /// </summary>
    public TimeSpan DisclosureBatchWindow { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the document replicator waits before it tries again to store a peer's copy of a document that this node's own
    /// disk refused (full, read-only, failing: <see cref="Storage.DocumentStoreFailureException"/>, log event 1023); the other
    /// documents are copied meanwhile. Code-level setting.
    /// </summary>
    public TimeSpan DocumentStoreRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for a batch to fill before a block is cut.</summary>
    public TimeSpan BatchDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Most transactions waiting in the mempool; beyond it submitters are told to retry (503); node.json's <c>admission.mempool</c>.</summary>
    public int MempoolCapacity { get; init; } = AdmissionLimits.Default.Mempool;

    /// <summary>How many writes and other requests are served at once before the rest are refused with 503 (node.json's <c>admission</c>).</summary>
    public AdmissionLimits Admission { get; init; } = AdmissionLimits.Default;

    /// <summary>Argon2id cost for sealing users' keys by their passwords (the default everywhere but in tests).</summary>
    public Core.Crypto.Argon2Parameters PasswordHashing { get; init; } = Core.Crypto.Argon2Parameters.Default;

    /// <summary>Argon2id cost for sealing users' keys by a generated one-time password (registration, password reset): see <see cref="Core.Crypto.Argon2Parameters.OneTime"/>.</summary>
    public Core.Crypto.Argon2Parameters OneTimePasswordHashing { get; init; } = Core.Crypto.Argon2Parameters.OneTime;

    /// <summary>Largest report file accepted (default 50 MB).</summary>
    public long MaxDocumentBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Consensus round timeouts (base and per-round increment, milliseconds).</summary>
    public Consensus.EngineTimeouts ConsensusTimeouts { get; init; } = Consensus.EngineTimeouts.Default;

    /// <summary>A session (web or bearer) unused for this long ends (default 30 minutes); sessions end after 8 hours in any case.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Password checks (logins, password changes) allowed per client address in each <see cref="LoginWindow"/> (default 30).</summary>
    public int LoginAttemptsPerClient { get; init; } = 30;

    /// <summary>Login attempts allowed per account name, existing or not, in each <see cref="LoginWindow"/> (default 10).</summary>
    public int LoginAttemptsPerAccount { get; init; } = 10;

    /// <summary>Password checks (Argon2id) that may run at once (default: the number of processors); see <see cref="Security.PasswordCheckGate"/>.</summary>
    public int PasswordCheckConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Password checks that may wait for a running one to finish (default: 4 per processor); beyond them a check is refused with 503.</summary>
    public int PasswordCheckQueue { get; init; } = 4 * Environment.ProcessorCount;

    /// <summary>The longest a password check waits for a slot before it is refused with 503 (default 5 s).</summary>
    public TimeSpan PasswordCheckWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The window of the login rate limits (default one minute): the longest a stranger can hold up an account's logins at a time.</summary>
    public TimeSpan LoginWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The public address of the web UI (printouts, QR codes); overrides node.json's <c>publicUrl</c>.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>HTTPS certificate file (PFX or PEM); overrides node.json's <c>certificate</c>.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>PEM private key of <see cref="CertificatePath"/> when it is a separate file; overrides node.json's <c>certificateKey</c>.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>Reverse proxies whose forwarded headers are believed; overrides node.json's <c>knownProxies</c>.</summary>
    public IReadOnlyList<string>? KnownProxies { get; init; }

    /// <summary>fsync every block commit (see <see cref="Storage.LedgerStoreOptions.DurableCommits"/>).</summary>
    public bool DurableCommits { get; init; } = true;

    /// <summary>The hospital's time zone (an IANA id, default UTC): forms read and the UI shows times in it, and says which.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>The hospital's name, contact details, currency and UI culture (header, forms, printouts).</summary>
    public HospitalSettings Hospital { get; init; } = HospitalSettings.Default;

    /// <summary>How long the first answer to an <c>Idempotency-Key</c> is kept (default 24 hours).</summary>
    public TimeSpan IdempotencyKeyLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Memory for kept <c>Idempotency-Key</c> answers (default 64 MB; the oldest go first beyond it).</summary>
    public long IdempotencyCacheBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How far in the future a recorded time may lie (clocks differ; default 5 minutes).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(5);
}
