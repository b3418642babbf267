using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Security;
using HealthLedger.Storage;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// Creates a network in a data folder: keys, the genesis block and the first admin login. A single node lives in the folder
/// itself; a network of N voting nodes gets one sub-folder per node (<c>node-1</c> … <c>node-N</c>), each with its own node
/// key and <see cref="NodeConfig"/> (web and peer addresses on consecutive ports) and a copy of the genesis block, the
/// organisation key and the admin login. Every node folder also gets a self-signed HTTPS certificate (<c>keys/tls.pfx</c>).
/// </summary>
public static partial class NetworkInitializer
{
    /// <summary>The first admin's user id.</summary>
    public const string AdminUser = "admin";


    /// <summary>
    /// Initialises <paramref name="dataDirectory"/>, which must not exist yet or be empty. When
    /// <paramref name="adminPassword"/> is null a strong password is generated and returned once.
    /// On failure nothing is left behind.
    /// </summary>
    /// <remarks><paramref name="networkPolicy"/> is the first network policy (how long care lasts; <see cref="NetworkPolicy.Default"/> when null).</remarks>
    /// <exception cref="InvalidOperationException">The folder already holds data, the password is too weak or the network policy is out of range.</exception>
    public static InitResult Init(string dataDirectory, string organisationName, string? adminPassword, TimeProvider clock,
        Argon2Parameters? argon = null, ChainPolicy? policy = null, ClusterLayout? cluster = null, NetworkPolicy? networkPolicy = null)
    {
        networkPolicy ??= NetworkPolicy.Default;
        if (PolicyProblem(networkPolicy) is { } policyProblem) throw new InvalidOperationException(policyProblem);
        if (cluster is { } c && (c.Nodes < 1 || c.Nodes > ValidatorSet.MaxNodes))
        {
            throw new InvalidOperationException($"--nodes must be between 1 and {ValidatorSet.MaxNodes}.");
        }
        if (cluster is { } p && (p.BasePort < 1 || p.BasePort + ClusterLayout.PeerPortOffset + p.Nodes - 1 > 65535))
        {
            throw new InvalidOperationException($"--base-port must leave room for {p.Nodes} web ports and {p.Nodes} peer ports (base + {ClusterLayout.PeerPortOffset} on) below 65536.");
        }
        if (adminPassword is not null && Passwords.Problem(adminPassword) is { } problem)
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
        OwnerOnly.CreateDirectory(folder);
        try
        {
            return Create(folder, organisationName.Trim(), adminPassword, clock, argon ?? Argon2Parameters.Default, policy ?? ChainPolicy.Default, cluster, networkPolicy);
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

    /// <summary>
    /// The first problem of a network policy as one line naming the command-line option (e.g.
    /// "--care-after-visit-days must be a whole number of days from 1 to 365 (got 0)."), or null when it is valid.
    /// </summary>
    public static string? PolicyProblem(NetworkPolicy policy) => policy.Problems() switch
    {
        [var (field, problem), ..] => $"--{Option(field)} {problem}.",
        _ => null,
    };

    // careAfterDischargeDays → care-after-discharge-days
    private static string Option(string field) => string.Concat(field.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));

    private static InitResult Create(string folder, string organisationName, string? adminPassword, TimeProvider clock, Argon2Parameters argon,
        ChainPolicy policy, ClusterLayout? cluster, NetworkPolicy networkPolicy)
    {
        var orgId = Slug(organisationName);
        var networkId = $"{orgId[..Math.Min(orgId.Length, 40)]}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var generated = adminPassword is null;
        adminPassword ??= Passwords.Generate();

        var count = cluster?.Nodes ?? 1;
        var folders = cluster is null ? [new DataDirectory(folder)] : Enumerable.Range(1, count).Select(k => new DataDirectory(Path.Combine(folder, ClusterLayout.FolderOf(k)))).ToArray();
        var orgSecret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        var nodeSeeds = Enumerable.Range(0, count).Select(_ => RandomNumberGenerator.GetBytes(32)).ToArray();
        var adminSecret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        var nodeKeys = nodeSeeds.Select(s => SigningKeyPair.FromSeed(s)).ToArray();
        try
        {
            using var org = UserKeys.FromSecret(orgSecret);
            using var admin = UserKeys.FromSecret(adminSecret);
            var sealedKeys = PasswordSealing.Seal(adminPassword, adminSecret, Keystore.Context(AdminUser),
                RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength), RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), argon);
            var nodes = Enumerable.Range(1, count).Select(k => new NodeRecord($"{orgId[..Math.Min(orgId.Length, 40)]}-node-{k}", orgId, nodeKeys[k - 1].PublicKey,
                cluster?.PeerAddress(k) ?? "")).ToList();
            var genesis = new GenesisPayload(networkId, policy,
                new OrganisationRecord(orgId, organisationName, org.Signing.PublicKey, org.Encryption.PublicKey),
                AdminUser, admin.Signing.PublicKey, admin.Encryption.PublicKey, nodes, networkPolicy);
            var tx = Transaction.Create(networkId, org.Signing, 1, genesis);
            var built = BlockBuilder.Build(WorldState.Load([]), networkId, null, (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds(), [tx], nodeKeys[0]);
            var failed = built.Execution.Receipts.FirstOrDefault(r => r.Verdict != Core.Ledger.TxVerdict.Ok);
            if (failed is not null) throw new InvalidOperationException($"Genesis was rejected: {failed.Verdict}: {failed.Reason}");

            for (var k = 1; k <= count; k++)
            {
                var data = folders[k - 1];
                OwnerOnly.CreateDirectory(data.Root);
                DataDirectory.WriteSecret(data.OrganisationKeyPath, orgSecret);
                DataDirectory.WriteSecret(data.NodeKeyPath, nodeSeeds[k - 1]);
                WebCertificate.CreateSelfSigned(data.WebCertificatePath, clock.GetUtcNow()); // for a first run on https:// (replace it with a real one)
                using (var keystore = Keystore.Open(data.KeystorePath))
                {
                    keystore.Put(AdminUser, sealedKeys, mustChangePassword: false);
                }
                using (var store = SqliteLedgerStore.Open(data.LedgerPath, create: true))
                {
                    store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes);
                }
                if (cluster is not null)
                {
                    NodeConfig.Write(data, new NodeConfig(cluster.WebUrl(k)));
                    WriteBackup(data, new DataDirectory(Path.Combine(folder, ClusterLayout.BackupFolder, ClusterLayout.FolderOf(k))));
                }
            }
            return new InitResult(networkId, orgId, AdminUser, generated ? adminPassword : null, built.Block.Header.Hash.ToString(),
                folders.Select(f => f.Root).ToList());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(orgSecret);
            foreach (var seed in nodeSeeds) CryptographicOperations.ZeroMemory(seed);
            foreach (var key in nodeKeys) key.Dispose();
            CryptographicOperations.ZeroMemory(adminSecret);
        }
    }

    // What 'join' needs to rebuild a node whose folder is lost: its keys, its node.json and the initial logins. Kept beside the
    // node folders (mode 0600 files); an operator moves them somewhere safe.
    private static void WriteBackup(DataDirectory node, DataDirectory backup)
    {
        OwnerOnly.CreateDirectory(backup.Root);
        foreach (var (from, to, length) in new[] { (node.NodeKeyPath, backup.NodeKeyPath, 32), (node.OrganisationKeyPath, backup.OrganisationKeyPath, UserKeys.SecretLength) })
        {
            var secret = DataDirectory.ReadSecret(from, length);
            DataDirectory.WriteSecret(to, secret);
            CryptographicOperations.ZeroMemory(secret);
        }
        File.Copy(Path.Combine(node.Root, NodeConfig.FileName), Path.Combine(backup.Root, NodeConfig.FileName));
        File.Copy(node.KeystorePath, backup.KeystorePath);
    }

    internal static string Slug(string name)
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
