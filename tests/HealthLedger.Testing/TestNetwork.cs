using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;

namespace HealthLedger.Testing;

/// <summary>
/// A deterministic single-organisation network for tests: keys come from fixed seeds, so every run builds the same
/// chain. Keeps an in-memory state and the committed blocks.
/// </summary>
public sealed class TestNetwork : IDisposable
{
    public const string NetworkId = "test-net";
    public const string OrgId = "test-hospital";

    private readonly List<BuiltBlock> _blocks = [];
    private ulong _adminNonce;

    public TestNetwork(ulong genesisTime = 1_700_000_000_000, NetworkPolicy? policy = null)
    {
        Policy = policy ?? NetworkPolicy.Default;
        Organisation = Keys(1);
        Admin = Keys(2);
        Node = SigningKeyPair.FromSeed(Seed(3, 32));
        var genesis = Transaction.Create(NetworkId, Organisation.Signing, 1, GenesisPayload());
        Append(genesisTime, [genesis]);
    }

    public UserKeys Organisation { get; }

    /// <summary>The network policy the genesis block sets.</summary>
    public NetworkPolicy Policy { get; }

    public UserKeys Admin { get; }

    public SigningKeyPair Node { get; }

    public WorldState State { get; } = WorldState.Load([]);

    public IReadOnlyList<BuiltBlock> Blocks => _blocks;

    public BlockHeader Tip => _blocks[^1].Block.Header;

    public GenesisPayload GenesisPayload() => new(NetworkId, ChainPolicy.Default,
        new OrganisationRecord(OrgId, "Test Hospital", Organisation.Signing.PublicKey, Organisation.Encryption.PublicKey),
        "admin", Admin.Signing.PublicKey, Admin.Encryption.PublicKey, [new NodeRecord("test-node-1", OrgId, Node.PublicKey, "")], Policy);

    /// <summary>Deterministic keys number <paramref name="n"/>.</summary>
    public static UserKeys Keys(int n) => UserKeys.FromSecret(Seed(n, UserKeys.SecretLength));

    /// <summary>Deterministic keys derived from a name.</summary>
    public static UserKeys KeysFor(string name) =>
        UserKeys.FromSecret(System.Security.Cryptography.SHA512.HashData(System.Text.Encoding.UTF8.GetBytes("test-keys/" + name)));

    /// <summary>A registration signed by the admin with the admin's next nonce.</summary>
    public Transaction Register(string userId, Role role = Role.Patient, int keySeed = 0) =>
        Register(Admin.Signing, ++_adminNonce, userId, role, keySeed);

    /// <summary>A registration signed by <paramref name="signer"/> with <paramref name="nonce"/>.</summary>
    public static Transaction Register(SigningKeyPair signer, ulong nonce, string userId, Role role = Role.Patient, int keySeed = 0, string org = OrgId)
    {
        using var keys = keySeed == 0 ? KeysFor(userId) : Keys(keySeed);
        return Transaction.Create(NetworkId, signer, nonce, new RegisterUserPayload(userId, role, org, keys.Signing.PublicKey, keys.Encryption.PublicKey));
    }

    /// <summary>Executes and appends a block; returns it.</summary>
    public BuiltBlock Append(ulong timestamp, IReadOnlyList<Transaction> transactions)
    {
        var built = BlockBuilder.Build(State, NetworkId, _blocks.Count == 0 ? null : Tip, timestamp, transactions, Node);
        State.Apply(built.Execution.Changes, built.Tree);
        _blocks.Add(built);
        return built;
    }

    /// <summary>Sets the admin's nonce counter (after signing some transactions by hand).</summary>
    public void UseAdminNonce(ulong nonce) => _adminNonce = nonce;

    public ulong AdminNonce => _adminNonce;

    public static byte[] Seed(int n, int length)
    {
        var seed = new byte[length];
        for (var i = 0; i < length; i++) seed[i] = (byte)(n * 31 + i * 7 + 1);
        return seed;
    }

    public void Dispose()
    {
        Organisation.Dispose();
        Admin.Dispose();
        Node.Dispose();
    }
}
