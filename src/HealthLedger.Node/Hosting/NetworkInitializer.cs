using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Storage;

namespace HealthLedger.Node.Hosting;

/// <summary>Creates a single-node network in a data folder: keys, the genesis block and the first admin login.</summary>
public static partial class NetworkInitializer
{
    /// <summary>The first admin's user id.</summary>
    public const string AdminUser = "admin";

    /// <summary>Shortest password accepted.</summary>
    public const int MinPasswordLength = 10;

    /// <summary>
    /// Initialises <paramref name="dataDirectory"/>, which must not exist yet or be empty. When
    /// <paramref name="adminPassword"/> is null a strong password is generated and returned once.
    /// On failure nothing is left behind.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder already holds data, or the password is too weak.</exception>
    public static InitResult Init(string dataDirectory, string organisationName, string? adminPassword, TimeProvider clock,
        Argon2Parameters? argon = null, ChainPolicy? policy = null)
    {
        if (adminPassword is not null && PasswordProblem(adminPassword) is { } problem)
        {
            throw new InvalidOperationException($"The admin password is too weak: {problem}.");
        }
        if (string.IsNullOrWhiteSpace(organisationName) || organisationName.Length > OrganisationRecord.MaxNameBytes / 2)
        {
            throw new InvalidOperationException("The organisation name must be 1 to 100 characters.");
        }
        var folder = Path.GetFullPath(dataDirectory);
        var existed = Directory.Exists(folder);
        if (existed && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new InvalidOperationException($"{folder} is not empty; choose a new folder or remove it first.");
        }
        Directory.CreateDirectory(folder);
        try
        {
            return Create(new DataDirectory(folder), organisationName.Trim(), adminPassword, clock, argon ?? Argon2Parameters.Default, policy ?? ChainPolicy.Default);
        }
        catch
        {
            if (existed)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(folder)) DeleteEntry(entry);
            }
            else
            {
                Directory.Delete(folder, recursive: true);
            }
            throw;
        }
    }

    /// <summary>Why a password is too weak, or null when it is acceptable.</summary>
    public static string? PasswordProblem(string password)
    {
        if (password.Length < MinPasswordLength) return $"it must have at least {MinPasswordLength} characters";
        if (password.Distinct().Count() < 5) return "it must use at least 5 different characters";
        return null;
    }

    private static InitResult Create(DataDirectory data, string organisationName, string? adminPassword, TimeProvider clock, Argon2Parameters argon, ChainPolicy policy)
    {
        var orgId = Slug(organisationName);
        var networkId = $"{orgId[..Math.Min(orgId.Length, 40)]}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var generated = adminPassword is null;
        adminPassword ??= GeneratePassword();

        var orgSecret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        var nodeSeed = RandomNumberGenerator.GetBytes(32);
        var adminSecret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        try
        {
            using var org = UserKeys.FromSecret(orgSecret);
            using var node = SigningKeyPair.FromSeed(nodeSeed);
            using var admin = UserKeys.FromSecret(adminSecret);

            DataDirectory.WriteSecret(data.OrganisationKeyPath, orgSecret);
            DataDirectory.WriteSecret(data.NodeKeyPath, nodeSeed);
            using (var keystore = Keystore.Open(data.KeystorePath))
            {
                var sealedKeys = PasswordSealing.Seal(adminPassword, adminSecret, Keystore.Context(AdminUser),
                    RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength), RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), argon);
                keystore.Put(AdminUser, sealedKeys, mustChangePassword: false);
            }

            var genesis = new GenesisPayload(networkId, policy,
                new OrganisationRecord(orgId, organisationName, org.Signing.PublicKey, org.Encryption.PublicKey),
                AdminUser, admin.Signing.PublicKey, admin.Encryption.PublicKey,
                new NodeRecord(orgId + "-node-1", orgId, node.PublicKey));
            var tx = Transaction.Create(networkId, org.Signing, 1, genesis);
            var built = BlockBuilder.Build(WorldState.Load([]), networkId, null, (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds(), [tx], node);
            var failed = built.Execution.Receipts.FirstOrDefault(r => r.Verdict != Core.Ledger.TxVerdict.Ok);
            if (failed is not null) throw new InvalidOperationException($"Genesis was rejected: {failed.Verdict}: {failed.Reason}");
            using (var store = LedgerStore.Open(data.LedgerPath, create: true))
            {
                store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes);
            }
            return new InitResult(networkId, orgId, AdminUser, generated ? adminPassword : null, built.Block.Header.Hash.ToString());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(orgSecret);
            CryptographicOperations.ZeroMemory(nodeSeed);
            CryptographicOperations.ZeroMemory(adminSecret);
        }
    }

    /// <summary>A 20-character password from an alphabet without look-alike characters (about 115 bits).</summary>
    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    private static string Slug(string name)
    {
        var slug = NonSlug().Replace(name.ToLowerInvariant(), "-").Trim('-', '.', '_');
        if (slug.Length > 48) slug = slug[..48].TrimEnd('-', '.', '_');
        return Identifiers.IsValid(slug) ? slug : "org-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    }

    private static void DeleteEntry(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    [GeneratedRegex("[^a-z0-9._-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonSlug();
}
