using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Security;
using HealthLedger.Storage;

namespace HealthLedger.Node.Hosting;

/// <summary>
/// Prepares a newcomer organisation (<c>healthledger consortium request</c>): in a new data folder, owner-only, its
/// organisation keys, its first admin's keys sealed by a password (in the keystore, as <c>init</c> does), its node key, a
/// node.json (web and peer addresses) and a self-signed HTTPS certificate; and the <see cref="JoinRequest"/> (public keys,
/// admin id, node id and address — no secret) that a member's admin submits as a proposal. Once the proposal is executed,
/// <c>healthledger join --data DIR --peer URL</c> fetches the chain and the node votes.
/// </summary>
public static class JoinRequestMaker
{
    /// <summary>What was made.</summary>
    /// <param name="Request">The request (also written to <paramref name="RequestPath"/>).</param>
    /// <param name="RequestPath">The request file in the folder.</param>
    /// <param name="AdminUser">The first admin's user id.</param>
    /// <param name="GeneratedPassword">The admin password when it was generated (shown once), else null.</param>
    public sealed record Result(JoinRequest Request, string RequestPath, string AdminUser, string? GeneratedPassword);

    /// <summary>Makes the folder. On failure nothing is left behind.</summary>
    /// <exception cref="InvalidOperationException">A clear reason (folder not empty, bad name, type, address or password).</exception>
    public static Result Make(string dataDirectory, string organisationName, string type, string peerListen, string? contact = null, string? urls = null,
        string? adminPassword = null, Argon2Parameters? argon = null, DateTimeOffset? now = null)
    {
        if (string.IsNullOrWhiteSpace(organisationName) || organisationName.Trim().Length > OrganisationRecord.MaxNameBytes / 2)
        {
            throw new InvalidOperationException("--org must be 1 to 100 characters.");
        }
        var organisationType = GovernanceNames.Type(type) ?? throw new InvalidOperationException($"--type must be one of {GovernanceNames.TypeList} (got '{type}').");
        if (peerListen.Length == 0 || NodeRecord.AddressProblem(peerListen) is { } problem)
        {
            throw new InvalidOperationException($"--peer-listen {NodeRecord.AddressProblem(peerListen) ?? "is required"}: where the new node's peer endpoint listens, e.g. http://10.0.0.7:5180.");
        }
        if (NetworkInitializer.ContactProblem(contact ?? "") is { } contactProblem) throw new InvalidOperationException("--contact " + contactProblem);
        contact = NetworkInitializer.Contact(contact ?? "");
        var orgId = NetworkInitializer.Slug(organisationName.Trim());
        var stem = orgId[..Math.Min(orgId.Length, 40)];
        var adminUser = stem + "-admin";
        if (adminPassword is not null && Passwords.Problem(adminPassword, adminUser) is { } weak) throw new InvalidOperationException($"The admin password is not accepted: {weak}.");
        var folder = Path.GetFullPath(dataDirectory);
        var existed = Directory.Exists(folder);
        if (existed && Directory.EnumerateFileSystemEntries(folder).Any()) throw new InvalidOperationException($"{folder} is not empty; choose a new folder or remove it first.");

        var generated = adminPassword is null;
        adminPassword ??= Passwords.Generate();
        var orgSecret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        var adminSecret = RandomNumberGenerator.GetBytes(UserKeys.SecretLength);
        var nodeSeed = RandomNumberGenerator.GetBytes(32);
        OwnerOnly.CreateDirectory(folder);
        try
        {
            using var org = UserKeys.FromSecret(orgSecret);
            using var admin = UserKeys.FromSecret(adminSecret);
            using var nodeKey = SigningKeyPair.FromSeed(nodeSeed);
            var data = new DataDirectory(folder);
            DataDirectory.WriteSecret(data.OrganisationKeyPath, orgSecret);
            DataDirectory.WriteSecret(data.NodeKeyPath, nodeSeed);
            WebCertificate.CreateSelfSigned(data.WebCertificatePath, now ?? DateTimeOffset.UtcNow);
            var sealedKeys = PasswordSealing.Seal(adminPassword, adminSecret, Keystore.Context(adminUser),
                RandomNumberGenerator.GetBytes(PasswordSealing.SaltLength), RandomNumberGenerator.GetBytes(PasswordSealing.NonceLength), argon ?? Argon2Parameters.Default);
            using (var keystore = Keystore.Open(data.KeystorePath))
            {
                keystore.Put(adminUser, sealedKeys, mustChangePassword: false);
            }
            NodeConfig.Write(data, new NodeConfig(urls ?? "http://localhost:5080", PeerUrl: peerListen));
            var request = new JoinRequest
            {
                Organisation = new JoinRequestOrganisation
                {
                    Id = orgId,
                    Name = organisationName.Trim(),
                    Type = GovernanceNames.Of(organisationType),
                    Contact = contact,
                    SigningKey = org.Signing.PublicKey.ToString(),
                    EncryptionKey = org.Encryption.PublicKey.ToString(),
                },
                Admin = new JoinRequestAdmin { Id = adminUser, SigningKey = admin.Signing.PublicKey.ToString(), EncryptionKey = admin.Encryption.PublicKey.ToString() },
                Node = new JoinRequestNode { Id = stem + "-node-1", SigningKey = nodeKey.PublicKey.ToString(), Address = peerListen },
            };
            var path = Path.Combine(folder, JoinRequest.FileName);
            request.Write(path);
            return new Result(request, path, adminUser, generated ? adminPassword : null);
        }
        catch
        {
            if (existed) foreach (var entry in Directory.EnumerateFileSystemEntries(folder)) DeleteEntry(entry);
            else Directory.Delete(folder, recursive: true);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(orgSecret);
            CryptographicOperations.ZeroMemory(adminSecret);
            CryptographicOperations.ZeroMemory(nodeSeed);
        }
    }

    private static void DeleteEntry(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
