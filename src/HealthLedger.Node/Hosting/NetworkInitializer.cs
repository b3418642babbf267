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
/// organisation key and the admin login. A consortium (<see cref="InitConsortium"/>) is founded by several organisations in one
/// genesis block, one node each, each folder holding only its own organisation's key and admin. Every node folder also gets a
/// self-signed HTTPS certificate (<c>keys/tls.pfx</c>).
/// </summary>
public static partial class NetworkInitializer
{
    /// <summary>
    /// Why <paramref name="contact"/> cannot be an organisation's contact (its switchboard, on the chain and the public on-call
    /// page), as the end of a sentence whose subject the caller gives ("--contact", "the contact of 'City Lab'"), or null.
    /// The rule is the API's for free text (<see cref="Records.FieldRules.ForbiddenCharacter"/>: no control, invisible,
    /// direction-changing, private-use or unassigned character, no combining mark with nothing before it) on one line, and at
    /// most <see cref="OrganisationRecord.MaxContactBytes"/> bytes once trimmed and in NFC (<see cref="Contact"/>): one check
    /// and one message for init, up, cluster up, consortium up and consortium request, as a join request's contact at the API.
    /// </summary>
    public static string? ContactProblem(string contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var bad = Records.FieldRules.ForbiddenCharacter(contact.Trim());
        if (bad is null && System.Text.Encoding.UTF8.GetByteCount(Contact(contact)) <= OrganisationRecord.MaxContactBytes) return null;
        return $"must be one line of at most {OrganisationRecord.MaxContactBytes} bytes of UTF-8 text, without control, invisible, direction-changing, " +
            $"private-use or unassigned characters{(bad is null ? "" : $" (it holds {bad})")}.";
    }

    /// <summary>A contact as the chain stores it: trimmed and in Unicode NFC (as the API stores free text).</summary>
    public static string Contact(string contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return Records.TextFolding.Nfc(contact.Trim());
    }

    /// <summary>The first admin's user id.</summary>
    public const string AdminUser = "admin";

    // Where a node listens when nothing else says (the CLI's default, written to a lone node's node.json when it needs one).
    private const string DefaultUrl = "http://localhost:5080";


    /// <summary>
    /// Initialises <paramref name="dataDirectory"/>, which must not exist yet or be empty. When
    /// <paramref name="adminPassword"/> is null a strong password is generated and returned once.
    /// On failure nothing is left behind.
    /// </summary>
    /// <remarks><paramref name="networkPolicy"/> is the first network policy (how long care lasts; <see cref="NetworkPolicy.Default"/> when null).
    /// <paramref name="store"/> puts a single node's ledger in PostgreSQL (a connection string, see <see cref="LedgerLocation"/>; null or
    /// <c>sqlite</c>: the embedded file): the schema is created in that database, which must hold no ledger, and node.json records it.
    /// <paramref name="contact"/> is the organisation's switchboard (one line: a phone number or mailbox), on the chain and on the public
    /// on-call page; empty for none ("not published"). It cannot be changed later.</remarks>
    /// <exception cref="InvalidOperationException">The folder already holds data, the password is too weak or too long, the network policy is out of range, the contact is not one line of at most 200 bytes,
    /// <paramref name="store"/> is given with several nodes or its database already holds a ledger.</exception>
    /// <exception cref="StoreUnavailableException">The PostgreSQL server of <paramref name="store"/> cannot be used (nothing is left in the folder).</exception>
    public static InitResult Init(string dataDirectory, string organisationName, string? adminPassword, TimeProvider clock,
        Argon2Parameters? argon = null, ChainPolicy? policy = null, ClusterLayout? cluster = null, NetworkPolicy? networkPolicy = null, string? store = null,
        string contact = "")
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (ContactProblem(contact) is { } contactProblem) throw new InvalidOperationException("--contact " + contactProblem);
        networkPolicy ??= NetworkPolicy.Default;
        if (LedgerLocation.IsPostgresSetting(store) && cluster is not null)
        {
            throw new InvalidOperationException("--store is for a single node (each node of a network needs a database of its own); leave out --nodes.");
        }
        if (LedgerLocation.SettingProblem(store) is { } storeProblem) throw new InvalidOperationException($"--store: {storeProblem}.");
        if (cluster is { } c && (c.Nodes < 1 || c.Nodes > ValidatorSet.MaxNodes))
        {
            throw new InvalidOperationException($"--nodes must be between 1 and {ValidatorSet.MaxNodes}.");
        }
        CheckCommon(cluster, adminPassword, [AdminUser], networkPolicy);
        if (NameProblem(organisationName) is { } nameProblem) throw new InvalidOperationException(nameProblem);
        return InFreshFolder(dataDirectory, folder =>
        {
            var name = organisationName.Trim();
            var orgId = Slug(name);
            var count = cluster?.Nodes ?? 1;
            var nodes = Enumerable.Range(1, count).Select(k => cluster is null
                ? new NodePlan(new DataDirectory(folder), NodeId(orgId, k), null, "", null, LedgerLocation.IsPostgresSetting(store) ? store!.Trim() : null)
                : new NodePlan(new DataDirectory(Path.Combine(folder, ClusterLayout.FolderOf(k))), NodeId(orgId, k), cluster.WebUrl(k), cluster.PeerAddress(k),
                    new DataDirectory(Path.Combine(folder, ClusterLayout.BackupFolder, ClusterLayout.FolderOf(k))))).ToList();
            var plan = new FounderPlan(orgId, name, OrganisationType.Hospital, Contact(contact), AdminUser, nodes);
            var (networkId, genesisHash, passwords) = Found(NetworkIdFor(orgId), [plan], adminPassword, clock, argon ?? Argon2Parameters.Default,
                policy ?? ChainPolicy.Default, networkPolicy);
            return new InitResult(networkId, orgId, AdminUser, passwords[0], genesisHash, nodes.Select(n => n.Folder.Root).ToList());
        });
    }

    /// <summary>
    /// Initialises a consortium in <paramref name="dataDirectory"/> (which must not exist yet or be empty): one genesis block
    /// founding every organisation of <paramref name="organisations"/> at once, and one node folder per organisation,
    /// <c>DIR/&lt;organisation id&gt;</c>, holding that organisation's key and first admin only (user <c>admin.&lt;organisation id&gt;</c>),
    /// its node key, a node.json with the ports of <paramref name="layout"/> (organisation K is node K) and the shared genesis.
    /// With <paramref name="adminPassword"/> every admin gets that password; otherwise each gets its own, returned once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder holds data, an organisation is not acceptable (name, type, two with the
    /// same id), the ports do not fit, the password is too weak or too long or the network policy is out of range.</exception>
    public static ConsortiumInitResult InitConsortium(string dataDirectory, IReadOnlyList<FoundingOrganisation> organisations, ClusterLayout layout,
        string? adminPassword, TimeProvider clock, Argon2Parameters? argon = null, NetworkPolicy? networkPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(organisations);
        ArgumentNullException.ThrowIfNull(layout);
        networkPolicy ??= NetworkPolicy.Default;
        if (ConsortiumProblem(organisations) is { } problem) throw new InvalidOperationException(problem);
        if (layout.Nodes != organisations.Count) throw new ArgumentException("The layout must have one node per organisation.", nameof(layout));
        CheckCommon(layout, adminPassword, organisations.Select(o => ConsortiumAdmin(Slug(o.Name.Trim()))), networkPolicy);
        return InFreshFolder(dataDirectory, folder =>
        {
            var plans = organisations.Select((o, i) =>
            {
                var id = Slug(o.Name.Trim());
                return new FounderPlan(id, o.Name.Trim(), o.Type, Contact(o.Contact), ConsortiumAdmin(id),
                    [new NodePlan(new DataDirectory(Path.Combine(folder, id)), NodeId(id, 1), layout.WebUrl(i + 1), layout.PeerAddress(i + 1), null)]);
            }).ToList();
            var (networkId, genesisHash, passwords) = Found(NetworkIdFor("consortium"), plans, adminPassword, clock, argon ?? Argon2Parameters.Default,
                ChainPolicy.Default, networkPolicy);
            return new ConsortiumInitResult(networkId, genesisHash, plans.Select((p, i) =>
                new FoundedOrganisation(p.Id, p.Name, p.Type, p.AdminId, passwords[i], p.Nodes[0].Folder.Root, p.Nodes[0].WebUrl!)).ToList());
        });
    }

    /// <summary>Most organisations <see cref="InitConsortium"/> founds (a local consortium; the chain allows more).</summary>
    public const int MaxConsortiumOrganisations = 10;

    /// <summary>The first admin of organisation <paramref name="organisationId"/> in a consortium made by <see cref="InitConsortium"/>.</summary>
    public static string ConsortiumAdmin(string organisationId) => "admin." + organisationId;

    /// <summary>The organisation id (and folder name) a name gets: lower case, runs of other characters as '-'.</summary>
    public static string OrganisationId(string name) => Slug(name.Trim());

    /// <summary>Why a list of founding organisations cannot found a consortium (one line), or null.</summary>
    public static string? ConsortiumProblem(IReadOnlyList<FoundingOrganisation> organisations)
    {
        ArgumentNullException.ThrowIfNull(organisations);
        if (organisations.Count is 0 or > MaxConsortiumOrganisations)
        {
            return $"a consortium needs 1 to {MaxConsortiumOrganisations} organisations (got {organisations.Count}).";
        }
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in organisations)
        {
            if (NameProblem(o.Name) is { } problem) return problem;
            if (!Enum.IsDefined(o.Type)) return $"organisation '{o.Name}' has no known type.";
            if (ContactProblem(o.Contact) is { } contactProblem) return $"the contact of '{o.Name.Trim()}' {contactProblem}";
            if (!ids.TryAdd(Slug(o.Name.Trim()), o.Name.Trim()))
            {
                return $"organisations '{ids[Slug(o.Name.Trim())]}' and '{o.Name.Trim()}' have the same name (id '{Slug(o.Name.Trim())}'); give each its own.";
            }
        }
        return null;
    }

    private static string? NameProblem(string name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > OrganisationRecord.MaxNameBytes / 2 ? "The organisation name must be 1 to 100 characters." : null;

    // The checks every way of creating a network makes first: the network policy, the ports of a multi-node layout, the password.
    private static void CheckCommon(ClusterLayout? layout, string? adminPassword, IEnumerable<string> adminUsers, NetworkPolicy networkPolicy)
    {
        if (PolicyProblem(networkPolicy) is { } policyProblem) throw new InvalidOperationException(policyProblem);
        if (layout is { } p && (p.BasePort < 1 || p.BasePort + ClusterLayout.PeerPortOffset + p.Nodes - 1 > 65535))
        {
            throw new InvalidOperationException($"--base-port must leave room for {p.Nodes} web ports and {p.Nodes} peer ports (base + {ClusterLayout.PeerPortOffset} on) below 65536.");
        }
        if (adminPassword is null) return;
        foreach (var adminUser in adminUsers)
        {
            if (Passwords.Problem(adminPassword, adminUser) is { } problem) throw new InvalidOperationException($"The admin password is not accepted: {problem}.");
        }
    }

    // Runs create in the folder, which must be missing or empty; on failure nothing is left behind.
    private static T InFreshFolder<T>(string dataDirectory, Func<string, T> create)
    {
        var folder = Path.GetFullPath(dataDirectory);
        var existed = Directory.Exists(folder);
        if (existed && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new InvalidOperationException($"{folder} is not empty; choose a new folder or remove it first.");
        }
        OwnerOnly.CreateDirectory(folder);
        try
        {
            return create(folder);
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

    private static string NetworkIdFor(string prefix) => $"{prefix[..Math.Min(prefix.Length, 40)]}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    private static string NodeId(string organisationId, int k) => $"{organisationId[..Math.Min(organisationId.Length, 40)]}-node-{k}";

    // One organisation to found: its record's fields, its first admin, and its nodes.
    private sealed record FounderPlan(string Id, string Name, OrganisationType Type, string Contact, string AdminId, IReadOnlyList<NodePlan> Nodes);

    // One node to create: its folder, its id, its web URL (written to node.json; null for a lone node serving the folder itself),
    // its peer address (empty for a lone node) and where to leave a backup of its keys for 'join' (or null).
    // Store: a PostgreSQL connection string for its ledger (recorded in node.json), or null for the SQLite file.
    private sealed record NodePlan(DataDirectory Folder, string Id, string? WebUrl, string PeerAddress, DataDirectory? Backup, string? Store = null);

    /// <summary>
    /// Makes every founder's keys, the genesis block founding them all (signed by the first founder's organisation key, proposed
    /// by the first node) and the node folders. Each node folder gets its own node key and <b>only its own organisation's</b> key
    /// and first admin login. Returns each founder's generated admin password (null when <paramref name="adminPassword"/> was given).
    /// </summary>
    private static (string NetworkId, string GenesisHash, IReadOnlyList<string?> Passwords) Found(string networkId, IReadOnlyList<FounderPlan> plans,
        string? adminPassword, TimeProvider clock, Argon2Parameters argon, ChainPolicy policy, NetworkPolicy networkPolicy)
    {
        var passwords = plans.Select(_ => adminPassword ?? Passwords.Generate()).ToList();
        var orgSecrets = plans.Select(_ => RandomNumberGenerator.GetBytes(UserKeys.SecretLength)).ToList();
        var adminSecrets = plans.Select(_ => RandomNumberGenerator.GetBytes(UserKeys.SecretLength)).ToList();
        var nodeSeeds = plans.Select(p => p.Nodes.Select(_ => RandomNumberGenerator.GetBytes(32)).ToList()).ToList();
        var nodeKeys = nodeSeeds.Select(seeds => seeds.Select(s => SigningKeyPair.FromSeed(s)).ToList()).ToList();
        var orgKeys = new List<UserKeys>();
        try
        {
            var founders = new List<Core.Governance.AddOrganisationAction>();
            var logins = new List<SealedSecret>();
            for (var i = 0; i < plans.Count; i++)
            {
                var p = plans[i];
                var org = UserKeys.FromSecret(orgSecrets[i]);
                orgKeys.Add(org);
                using var admin = UserKeys.FromSecret(adminSecrets[i]);
                logins.Add(PasswordSealing.Seal(passwords[i], adminSecrets[i], Keystore.Context(p.AdminId),
                    RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength), RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), argon));
                founders.Add(new Core.Governance.AddOrganisationAction(
                    new OrganisationRecord(p.Id, p.Name, org.Signing.PublicKey, org.Encryption.PublicKey, p.Type, p.Contact),
                    p.AdminId, admin.Signing.PublicKey, admin.Encryption.PublicKey,
                    p.Nodes.Select((n, k) => new NodeRecord(n.Id, p.Id, nodeKeys[i][k].PublicKey, n.PeerAddress)).ToList()));
            }
            var genesis = new GenesisPayload(networkId, policy, founders, networkPolicy);
            var tx = Transaction.Create(networkId, orgKeys[0].Signing, 1, genesis);
            var built = BlockBuilder.Build(WorldState.Load([]), networkId, null, (ulong)clock.GetUtcNow().ToUnixTimeMilliseconds(), [tx], nodeKeys[0][0]);
            var failed = built.Execution.Receipts.FirstOrDefault(r => r.Verdict != Core.Ledger.TxVerdict.Ok);
            if (failed is not null) throw new InvalidOperationException($"Genesis was rejected: {failed.Verdict}: {failed.Reason}");

            for (var i = 0; i < plans.Count; i++)
            {
                for (var k = 0; k < plans[i].Nodes.Count; k++)
                {
                    var node = plans[i].Nodes[k];
                    var data = node.Folder;
                    OwnerOnly.CreateDirectory(data.Root);
                    DataDirectory.WriteSecret(data.OrganisationKeyPath, orgSecrets[i]);
                    DataDirectory.WriteSecret(data.NodeKeyPath, nodeSeeds[i][k]);
                    WebCertificate.CreateSelfSigned(data.WebCertificatePath, clock.GetUtcNow()); // for a first run on https:// (replace it with a real one)
                    using (var keystore = Keystore.Open(data.KeystorePath))
                    {
                        // Version 1 with the organisation's escrow, as a registration stores a login: the node publishes it for the
                        // organisation's other nodes at its first start (LoginPublisher), and an admin can reset it.
                        keystore.Put(plans[i].AdminId, logins[i], mustChangePassword: false,
                            KeyEscrow.Seal(plans[i].AdminId, adminSecrets[i], orgKeys[i].Encryption.PublicKey), version: 1);
                    }
                    using (var store = new LedgerLocation(data.Root, node.Store).Open(create: true))
                    {
                        store.Commit(built.Block, built.Execution.Receipts, built.Execution.Changes);
                    }
                    // A lone node on SQLite needs no node.json; one on PostgreSQL records its store (and the default address).
                    if (node.WebUrl is not null || node.Store is not null) NodeConfig.Write(data, new NodeConfig(node.WebUrl ?? DefaultUrl, Store: node.Store));
                    if (node.Backup is not null) WriteBackup(data, node.Backup);
                }
            }
            return (networkId, built.Block.Header.Hash.ToString(), passwords.Select(p => adminPassword is null ? p : null).ToList());
        }
        finally
        {
            foreach (var secret in orgSecrets.Concat(adminSecrets).Concat(nodeSeeds.SelectMany(s => s))) CryptographicOperations.ZeroMemory(secret);
            foreach (var key in nodeKeys.SelectMany(k => k)) key.Dispose();
            foreach (var key in orgKeys) key.Dispose();
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
        DurableFile.CopyNew(Path.Combine(node.Root, NodeConfig.FileName), Path.Combine(backup.Root, NodeConfig.FileName));
        DurableFile.CopyNew(node.KeystorePath, backup.KeystorePath);
    }

    internal static string Slug(string name)
    {
        var slug = NonSlug().Replace(name.ToLowerInvariant(), "-").Trim('-', '.', '_');
        if (slug.Length > 48) slug = slug[..48].TrimEnd('-', '.', '_');
        if (slug.Length is > 0 and < 3) slug += "-org"; // "A" → "a-org": a short name keeps an id of its own
        // A name with no Latin letter or digit gets an id derived from it, so the same name always gives the same id (and folder).
        return Identifiers.IsValid(slug) ? slug : "org-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
    }

    private static void DeleteEntry(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    [GeneratedRegex("[^a-z0-9._-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonSlug();
}
