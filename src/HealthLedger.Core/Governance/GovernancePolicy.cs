using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Governance;

/// <summary>
/// The consortium's governance policy, stored under <see cref="StateKeys.Governance"/>: one <see cref="GovernanceRule"/> per
/// <see cref="GovernanceAction"/> (all of them, in action order) and how long a proposal stays open. Set to
/// <see cref="Default"/> at genesis; changed only by an approved <see cref="GovernanceAction.ChangePolicy"/> proposal.
/// </summary>
/// <param name="Rules">One rule per action, in action order.</param>
/// <param name="ProposalLifetimeMs">How long after its block a proposal may still be voted on (block time, ms).</param>
public sealed record GovernancePolicy(IReadOnlyList<GovernanceRule> Rules, ulong ProposalLifetimeMs)
{
    private const byte Version = 1;

    /// <summary>Shortest proposal lifetime: one hour.</summary>
    public const ulong MinProposalLifetimeMs = 60 * 60 * 1000;

    /// <summary>Longest proposal lifetime: 365 days.</summary>
    public const ulong MaxProposalLifetimeMs = 365UL * 24 * 60 * 60 * 1000;

    /// <summary>Default proposal lifetime: 7 days.</summary>
    public const ulong DefaultProposalLifetimeMs = 7UL * 24 * 60 * 60 * 1000;

    /// <summary>Every action, in order.</summary>
    public static IReadOnlyList<GovernanceAction> Actions { get; } = Enum.GetValues<GovernanceAction>();

    /// <summary>How long an emergency proposal (declare, end, extend) stays open at most: 6 hours (or the policy's lifetime, if shorter).</summary>
    public const ulong EmergencyProposalLifetimeMs = 6UL * 60 * 60 * 1000;

    /// <summary>
    /// A strict majority of the governing organisations (active, not rescue services) for every action but the emergency ones, which need at least 1/3 (one
    /// of one to three organisations, two of four to six: lower and, with <see cref="EmergencyProposalLifetimeMs"/>,
    /// faster than ordinary changes); an organisation may replace (rotate the key or address of) its own node alone;
    /// proposals stay open 7 days.
    /// </summary>
    public static GovernancePolicy Default { get; } = new(
        Actions.Select(a => IsEmergency(a) ? GovernanceRule.Emergency(a) : GovernanceRule.Majority(a, selfService: a == GovernanceAction.ReplaceNode)).ToList(),
        DefaultProposalLifetimeMs);

    /// <summary>True for the emergency actions (declare, end, extend).</summary>
    public static bool IsEmergency(GovernanceAction action) =>
        action is GovernanceAction.DeclareEmergency or GovernanceAction.EndEmergency or GovernanceAction.ExtendEmergency;

    /// <summary>The rule of <paramref name="action"/>.</summary>
    public GovernanceRule Rule(GovernanceAction action) => Rules.First(r => r.Action == action);

    /// <summary>How long a proposal of <paramref name="action"/> stays open: the policy's lifetime, at most <see cref="EmergencyProposalLifetimeMs"/> for emergency actions.</summary>
    public ulong LifetimeOf(GovernanceAction action) => IsEmergency(action) ? Math.Min(ProposalLifetimeMs, EmergencyProposalLifetimeMs) : ProposalLifetimeMs;

    /// <summary>A copy with <paramref name="rule"/> in place of its action's rule.</summary>
    public GovernancePolicy With(GovernanceRule rule) => this with { Rules = Rules.Select(r => r.Action == rule.Action ? rule : r).ToList() };

    /// <summary>Why the policy would make some action impossible, or null.</summary>
    public string? Problem()
    {
        if (ProposalLifetimeMs < MinProposalLifetimeMs || ProposalLifetimeMs > MaxProposalLifetimeMs)
        {
            return $"proposal lifetime must be between {MinProposalLifetimeMs} ms (1 hour) and {MaxProposalLifetimeMs} ms (365 days)";
        }
        if (!Rules.Select(r => r.Action).SequenceEqual(Actions)) return "a governance policy has one rule for each action, in action order";
        return Rules.Select(r => r.Problem()).FirstOrDefault(p => p is not null);
    }

    /// <summary>Writes the policy (no version byte).</summary>
    public void Write(CanonicalWriter w)
    {
        w.VarUInt(ProposalLifetimeMs).VarUInt((ulong)Rules.Count);
        foreach (var rule in Rules) rule.Write(w);
    }

    /// <summary>Reads a policy written by <see cref="Write"/>: exactly one rule per action, in action order.</summary>
    public static bool TryRead(ref CanonicalReader r, out GovernancePolicy policy)
    {
        policy = Default;
        r.VarUInt(out var lifetime);
        if (!r.VarInt32(out var count, Actions.Count, "governance rule count")) return false;
        if (count != Actions.Count) return r.Fail($"a governance policy has one rule for each of the {Actions.Count} actions, not {count}");
        var rules = new List<GovernanceRule>(count);
        for (var i = 0; i < count; i++)
        {
            if (!GovernanceRule.TryRead(ref r, out var rule)) return false;
            if (rule.Action != Actions[i]) return r.Fail($"governance rule {i + 1} must be for {Actions[i]}, not {rule.Action}");
            rules.Add(rule);
        }
        policy = new GovernancePolicy(rules, lifetime);
        return r.Error is null;
    }

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter().U8(Version);
        Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static GovernancePolicy? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != Version) return null;
        TryRead(ref r, out var policy);
        return r.End() ? policy : null;
    }

    /// <summary>The policy in the state (<see cref="Default"/> when none is recorded); throws when it is damaged.</summary>
    public static GovernancePolicy Read(IStateReader state) =>
        state.TryGet(StateKeys.Governance, out var bytes) ? TryDecode(bytes) ?? throw new InvalidDataException("The stored governance policy is damaged.") : Default;
}
