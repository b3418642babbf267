namespace HealthLedger.Node.Hosting;

/// <summary>What <see cref="NetworkInitializer.InitConsortium"/> made.</summary>
/// <param name="NetworkId">The network id.</param>
/// <param name="GenesisHash">The genesis block's hash (the same in every organisation's folder).</param>
/// <param name="Organisations">Each founding organisation, in the order given.</param>
public sealed record ConsortiumInitResult(string NetworkId, string GenesisHash, IReadOnlyList<FoundedOrganisation> Organisations);
