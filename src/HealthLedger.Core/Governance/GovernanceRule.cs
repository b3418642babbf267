using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Governance;

/// <summary>
/// Who must approve one <see cref="GovernanceAction"/>: a fraction of the active member organisations, each counting once,
/// as in Hyperledger Fabric's implicit-meta policies (<c>MAJORITY</c> = more than 1/2, <c>ALL</c> = at least 1/1,
/// <c>ANY</c> = more than 0/1).
/// </summary>
/// <param name="Action">The action.</param>
/// <param name="Numerator">Numerator of the fraction (0 to <see cref="Denominator"/>).</param>
/// <param name="Denominator">Denominator of the fraction (1 to <see cref="MaxDenominator"/>).</param>
/// <param name="Inclusive">True: at least the fraction; false: strictly more than it.</param>
/// <param name="SelfService">
/// True when one organisation may do it alone to its own resource (only node actions: its own node); e.g. rotating the key or
/// address of one's own node.
/// </param>
public sealed record GovernanceRule(GovernanceAction Action, int Numerator, int Denominator, bool Inclusive, bool SelfService)
{
    /// <summary>Largest denominator.</summary>
    public const int MaxDenominator = 100;

    /// <summary>The default: a strict majority (more than half) of the governing organisations, nobody alone.</summary>
    public static GovernanceRule Majority(GovernanceAction action, bool selfService = false) => new(action, 1, 2, Inclusive: false, selfService);

    /// <summary>The default for emergency actions: at least 1/3 of the governing organisations, nobody alone (unless there are at most three).</summary>
    public static GovernanceRule Emergency(GovernanceAction action) => new(action, 1, 3, Inclusive: true, SelfService: false);

    /// <summary>
    /// Approvals needed among <paramref name="active"/> governing organisations (<see cref="Consortium.GoverningOrganisations"/>): ⌈active · n / d⌉ when inclusive,
    /// ⌊active · n / d⌋ + 1 when strict; at least 1.
    /// </summary>
    public int Needed(int active)
    {
        var product = (long)Math.Max(active, 0) * Numerator;
        var needed = Inclusive ? (product + Denominator - 1) / Denominator : product / Denominator + 1;
        return (int)Math.Max(1, needed);
    }

    /// <summary>"more than 1/2" or "at least 2/3".</summary>
    public string Describe() => $"{(Inclusive ? "at least" : "more than")} {Numerator}/{Denominator} of the active organisations";

    /// <summary>Why the rule would make its action impossible or let one organisation do what it must not, or null.</summary>
    public string? Problem()
    {
        if (!Inclusive && Numerator == Denominator) return $"{Action}: more than {Numerator}/{Denominator} of the organisations can never approve";
        if (SelfService && Action is not (GovernanceAction.AddNode or GovernanceAction.RemoveNode or GovernanceAction.ReplaceNode))
        {
            return $"{Action}: only node actions (add, remove, replace one's own node) may be done by one organisation alone";
        }
        return null;
    }

    /// <summary>Writes the rule.</summary>
    public void Write(CanonicalWriter w) =>
        w.U8((byte)Action).VarUInt((ulong)Numerator).VarUInt((ulong)Denominator).Bool(Inclusive).Bool(SelfService);

    /// <summary>Reads a rule written by <see cref="Write"/> and checks its ranges.</summary>
    public static bool TryRead(ref CanonicalReader r, out GovernanceRule rule)
    {
        r.U8(out var action);
        r.VarInt32(out var numerator, MaxDenominator, "threshold numerator");
        r.VarInt32(out var denominator, MaxDenominator, "threshold denominator");
        r.Bool(out var inclusive);
        r.Bool(out var selfService);
        rule = new GovernanceRule((GovernanceAction)action, numerator, denominator, inclusive, selfService);
        if (r.Error is not null) return false;
        if (!Enum.IsDefined(rule.Action)) return r.Fail($"governance action {action} is not known");
        if (denominator < 1) return r.Fail("threshold denominator must be at least 1");
        if (numerator > denominator) return r.Fail("threshold numerator must not exceed its denominator");
        return true;
    }
}
