using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>A consortium proposal and its votes, stored under <see cref="StateKeys.Proposal"/>. No PHI.</summary>
/// <param name="Id">Proposal id (chosen by the proposer, never reused).</param>
/// <param name="Action">What it does.</param>
/// <param name="ProposerOrganisationId">The proposing organisation (its vote is an approval).</param>
/// <param name="ProposerUserId">The admin who proposed it.</param>
/// <param name="CreatedAt">Block time of the proposal (Unix ms).</param>
/// <param name="ExpiresAt">Block time from which votes are refused (<see cref="CreatedAt"/> + the policy's lifetime).</param>
/// <param name="Status">Open, executed, rejected or withdrawn.</param>
/// <param name="ClosedAt">Block time it was executed, rejected or withdrawn; 0 while open.</param>
/// <param name="Votes">One vote per organisation, in organisation id order.</param>
public sealed record ProposalState(string Id, ProposedAction Action, string ProposerOrganisationId, string ProposerUserId,
    ulong CreatedAt, ulong ExpiresAt, ProposalStatus Status, ulong ClosedAt, IReadOnlyList<ProposalVote> Votes)
{
    private const byte Version = 1;

    /// <summary>True while votes are accepted at block time <paramref name="now"/>.</summary>
    public bool IsOpenAt(ulong now) => Status == ProposalStatus.Open && now < ExpiresAt;

    /// <summary>A copy with <paramref name="vote"/> added (kept in organisation id order).</summary>
    public ProposalState WithVote(ProposalVote vote) =>
        this with { Votes = Votes.Append(vote).OrderBy(v => v.OrganisationId, StringComparer.Ordinal).ToList() };

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter().U8(Version).Text(Id);
        Action.Write(w);
        w.Text(ProposerOrganisationId).Text(ProposerUserId).VarUInt(CreatedAt).VarUInt(ExpiresAt).U8((byte)Status).VarUInt(ClosedAt)
            .VarUInt((ulong)Votes.Count);
        foreach (var v in Votes) w.Text(v.OrganisationId).Text(v.UserId).Bool(v.Approve).VarUInt(v.At);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static ProposalState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != Version) return null;
        r.Text(out var id, Identifiers.MaxLength, "proposal id");
        if (!ProposedAction.TryRead(ref r, out var action)) return null;
        r.Text(out var organisation, Identifiers.MaxLength, "proposer organisation");
        r.Text(out var user, Identifiers.MaxLength, "proposer");
        r.VarUInt(out var created);
        r.VarUInt(out var expires);
        r.U8(out var status);
        r.VarUInt(out var closed);
        r.VarUInt(out var count, Consortium.MaxOrganisations, "vote count");
        var votes = new List<ProposalVote>((int)count);
        for (ulong i = 0; i < count && r.Error is null; i++)
        {
            r.Text(out var voter, Identifiers.MaxLength, "voting organisation");
            r.Text(out var voterUser, Identifiers.MaxLength, "voting admin");
            r.Bool(out var approve);
            r.VarUInt(out var at);
            if (votes.Count > 0 && string.CompareOrdinal(votes[^1].OrganisationId, voter) >= 0) r.Fail("votes must be in organisation order, one each");
            votes.Add(new ProposalVote(voter, voterUser, approve, at));
        }
        return r.End() && Enum.IsDefined((ProposalStatus)status)
            ? new ProposalState(id, action, organisation, user, created, expires, (ProposalStatus)status, closed, votes)
            : null;
    }
}
