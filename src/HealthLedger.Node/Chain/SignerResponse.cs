namespace HealthLedger.Node.Chain;

/// <summary>Who a signing key belongs to and its nonces, so a client can sign its next transaction.</summary>
/// <param name="Key">The public key.</param>
/// <param name="Kind">User, Organisation or Node.</param>
/// <param name="Id">The user, organisation or node id.</param>
/// <param name="OrganisationId">The organisation the key acts for.</param>
/// <param name="LastNonce">The last nonce committed for this key in <paramref name="Lane"/> (the lane's start when none).</param>
/// <param name="NextNonce">The lowest nonce the door accepts now in <paramref name="Lane"/> (above committed and waiting ones).</param>
/// <param name="Network">The network id to sign for.</param>
/// <param name="Lane">The nonce lane the nonces are of (<c>?lane=</c>; 0 by default): the top 16 bits of a nonce.</param>
public sealed record SignerResponse(string Key, string Kind, string Id, string OrganisationId, ulong LastNonce, ulong NextNonce, string Network, ushort Lane = 0);
