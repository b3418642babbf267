using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Merkle;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Storage;

namespace HealthLedger.MicroBench;

/// <summary>The per-transaction and per-block costs the node pays on its hot path.</summary>
[MemoryDiagnoser]
public class HotPaths
{
    private const string Network = "bench-net";
    private SigningKeyPair _signer = null!;
    private Transaction _tx = null!;
    private byte[] _encoded = [];
    private byte[] _message = [];
    private Signature64 _signature;
    private List<Hash256> _ids = [];
    private WorldState _state = null!;
    private StateChangeSet _changes = null!;
    private byte[] _dataKey = [];
    private byte[] _categoryKey = [];
    private byte[] _nonce = [];
    private byte[] _record = [];
    private EncryptionPublicKey _recipient;
    private string _folder = "";
    private ILedgerStore _store = null!;
    private Block _block = null!;
    private BlockExecution _execution = null!;
    private ulong _height;

    [GlobalSetup]
    public void Setup()
    {
        _signer = SigningKeyPair.FromSeed(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        using var user = UserKeys.FromSecret(Enumerable.Range(1, UserKeys.SecretLength).Select(i => (byte)(i * 3)).ToArray());
        _tx = Transaction.Create(Network, _signer, 1, new RegisterUserPayload("patient-123456", Role.Patient, "general-hospital", user.Signing.PublicKey, user.Encryption.PublicKey));
        _encoded = _tx.Encoded.ToArray();
        _message = RandomNumberGenerator.GetBytes(200);
        _signature = _signer.Sign(_message);
        _ids = Enumerable.Range(0, 1000).Select(i => Hashing.Sha256(BitConverter.GetBytes(i))).ToList();
        _state = WorldState.Load(Enumerable.Range(0, 100_000).Select(i => new KeyValuePair<string, byte[]>($"entry/e{i:D7}", RandomNumberGenerator.GetBytes(120))));
        _changes = new StateChangeSet(Enumerable.Range(0, 1000).Select(i => new KeyValuePair<string, byte[]?>($"entry/n{i:D7}", RandomNumberGenerator.GetBytes(120))));
        _dataKey = RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        _categoryKey = RandomNumberGenerator.GetBytes(CategoryKeyCrypto.KeyLength);
        _nonce = RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength);
        _record = RandomNumberGenerator.GetBytes(1024);
        _recipient = user.Encryption.PublicKey;

        // A ledger with genesis, and a block of 1,000 registrations to commit again and again at new heights.
        _folder = Directory.CreateTempSubdirectory("healthledger-microbench-").FullName;
        _store = SqliteLedgerStore.Open(Path.Combine(_folder, SqliteLedgerStore.FileName), create: true);
        var txs = Enumerable.Range(0, 1000).Select(i => Transaction.Create(Network, _signer, (ulong)i + 1,
            new RegisterUserPayload($"user-{i}", Role.Patient, "general-hospital", user.Signing.PublicKey, user.Encryption.PublicKey))).ToList();
        _block = new Block(BlockHeader.Create(Network, 0, default, 0, txs.Count, MerkleTree.RootOfIds(txs.Select(t => t.Id).ToList()), default, default, _signer), txs);
        _store.Commit(new Block(BlockHeader.Create(Network, 0, default, 0, 0, MerkleTree.RootOfIds([]), default, default, _signer), []), [], new StateChangeSet([]));
        _execution = new BlockExecution(txs.Select(t => new Receipt(t.Id, TxVerdict.Ok, "")).ToList(),
            new StateChangeSet(txs.Select((t, i) => new KeyValuePair<string, byte[]?>($"user/u{i}", t.Encoded.ToArray()))));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        _signer.Dispose();
    }

    [Benchmark(Description = "decode + check a transaction")]
    public bool DecodeTransaction() => Transaction.TryDecode(_encoded, ChainPolicy.Default.MaxTxBytes, out _).IsOk;

    [Benchmark(Description = "Ed25519 sign (200 B)")]
    public Signature64 Sign() => _signer.Sign(_message);

    [Benchmark(Description = "Ed25519 verify (200 B)")]
    public bool Verify() => SigningKeyPair.Verify(_signer.PublicKey, _message, _signature);

    [Benchmark(Description = "RFC 6962 root of 1,000 ids")]
    public Hash256 MerkleRoot() => MerkleTree.RootOfIds(_ids);

    [Benchmark(Description = "state root after 1,000 writes (100k keys)")]
    public Hash256 StateRoot() => _state.Preview(_changes).Root;

    [Benchmark(Description = "AES-256-GCM seal 1 KiB record")]
    public byte[] SealRecord() => RecordCrypto.Encrypt(_dataKey, _nonce, _record, "aad"u8);

    [Benchmark(Description = "X25519 envelope for one recipient")]
    public Core.Crypto.Envelope WrapKey() => RecordCrypto.Wrap(_dataKey, _recipient, RandomNumberGenerator.GetBytes(32), "aad"u8);

    [Benchmark(Description = "data key wrapped under a category key")]
    public byte[] WrapUnderCategoryKey() => CategoryKeyCrypto.WrapDataKey(_categoryKey, _nonce, _dataKey, "aad"u8);

    [Benchmark(Description = "SQLite commit of a 1,000-tx block (FULL sync)")]
    public void CommitBlock()
    {
        var height = ++_height;
        var header = BlockHeader.Create(Network, height, default, height, _block.Transactions.Count, _block.Header.TxRoot, default, default, _signer);
        _store.Commit(new Block(header, _block.Transactions), _execution.Receipts, _execution.Changes);
    }
}
