using HealthLedger.Core.Encoding;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Model;

/// <summary>
/// The network policy as the world state holds it (key <see cref="StateKeys.Policy"/>): the policy, its version (1 from the
/// genesis block, then one more per change), the organisation whose admins may change it (the founding organisation, until
/// changes need the consortium's approval) and where it was last set.
/// </summary>
/// <param name="Version">1 at genesis, then one more for each change.</param>
/// <param name="OrganisationId">The organisation whose admins may change it.</param>
/// <param name="Policy">The rules.</param>
/// <param name="Proof">The transaction and block that set this version.</param>
public sealed record PolicyState(int Version, string OrganisationId, NetworkPolicy Policy, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The policy in force in <paramref name="state"/>: its record's, or <see cref="NetworkPolicy.Default"/> when there is none.</summary>
    public static NetworkPolicy Current(IStateReader state) => Read(state)?.Policy ?? NetworkPolicy.Default;

    /// <summary>The policy record in <paramref name="state"/>, or null.</summary>
    public static PolicyState? Read(IStateReader state) => state.TryGet(StateKeys.Policy, out var bytes) ? TryDecode(bytes) : null;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(128).U8(FormatVersion).VarUInt((ulong)Version).Text(OrganisationId);
        Policy.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static PolicyState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.VarInt32(out var version, int.MaxValue, "version");
        r.Text(out var organisation, Identifiers.MaxLength, "organisation");
        if (r.Error is not null || !NetworkPolicy.TryRead(ref r, out var policy) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new PolicyState(version, organisation, policy, proof) : null;
    }
}
