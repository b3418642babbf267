namespace HealthLedger.Node.Hosting;

/// <summary>What <see cref="NetworkInitializer"/> made.</summary>
/// <param name="NetworkId">The network id.</param>
/// <param name="OrganisationId">The founding organisation's id.</param>
/// <param name="AdminUser">The first admin's user id.</param>
/// <param name="GeneratedPassword">The admin password when it was generated (shown once), else null.</param>
/// <param name="GenesisHash">The genesis block's hash.</param>
/// <param name="NodeFolders">The data folder of each node (one for a single-node network).</param>
public sealed record InitResult(string NetworkId, string OrganisationId, string AdminUser, string? GeneratedPassword, string GenesisHash,
    IReadOnlyList<string> NodeFolders);
