using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Model;

/// <summary>
/// The network's rules that the state machine applies at block time, so they must be the same on every node: held in the
/// world state (<see cref="PolicyState"/> under <see cref="StateKeys.Policy"/>), set by the genesis block and changed by a
/// <c>ConfigurePolicy</c> transaction. A change applies to what starts or ends after its block; nothing already written is
/// recomputed. Today it says how long care relationships last: the doctors of a stay keep access
/// <see cref="CareAfterDischargeDays"/> after the discharge, and a visit recorded by the organisation gives its doctor
/// <see cref="CareAfterVisitDays"/> from the visit's block.
/// </summary>
/// <remarks>
/// Adding a field: a parameter here (with its default in <see cref="Default"/>), its range in <see cref="Problems"/>, and its
/// bytes in <see cref="Write"/> and <see cref="TryRead"/> under a new format byte, with the reader still taking the older
/// formats (the new field at its default) so that earlier blocks keep verifying.
/// </remarks>
/// <param name="CareAfterDischargeDays">Days the doctors of a stay keep access after the discharge (0 to <see cref="MaxCareDays"/>).</param>
/// <param name="CareAfterVisitDays">Days a visit recorded by the organisation gives its doctor access (1 to <see cref="MaxCareDays"/>).</param>
public sealed record NetworkPolicy(int CareAfterDischargeDays, int CareAfterVisitDays)
{
    private const byte Format = 1;

    /// <summary>A day in milliseconds (block times are Unix ms).</summary>
    public const ulong DayMs = 24UL * 60 * 60 * 1000;

    /// <summary>The longest care period any policy may set (days).</summary>
    public const int MaxCareDays = 365;

    /// <summary>7 days after a discharge, 30 days after a visit.</summary>
    public static NetworkPolicy Default { get; } = new(7, 30);

    /// <summary>How long the doctors of a stay keep access after the discharge, in ms.</summary>
    public ulong CareAfterDischarge => (ulong)CareAfterDischargeDays * DayMs;

    /// <summary>How long a visit recorded by the organisation gives its doctor access, in ms.</summary>
    public ulong CareAfterVisit => (ulong)CareAfterVisitDays * DayMs;

    /// <summary>The fields out of range (names as the API spells them) with what they must be; empty when the policy is valid.</summary>
    public IReadOnlyList<(string Field, string Problem)> Problems()
    {
        var problems = new List<(string, string)>();
        if (CareAfterDischargeDays is < 0 or > MaxCareDays) problems.Add(("careAfterDischargeDays", $"must be a whole number of days from 0 to {MaxCareDays} (got {CareAfterDischargeDays})"));
        if (CareAfterVisitDays is < 1 or > MaxCareDays) problems.Add(("careAfterVisitDays", $"must be a whole number of days from 1 to {MaxCareDays} (got {CareAfterVisitDays})"));
        return problems;
    }

    /// <summary>Writes the policy: a format byte, then its fields.</summary>
    public void Write(CanonicalWriter w) => w.U8(Format).VarUInt((ulong)CareAfterDischargeDays).VarUInt((ulong)CareAfterVisitDays);

    /// <summary>Reads a policy (ranges are <see cref="Problems"/>'s, checked by whoever accepts it).</summary>
    public static bool TryRead(ref CanonicalReader r, out NetworkPolicy policy)
    {
        policy = Default;
        if (!r.U8(out var format)) return false;
        if (format != Format) return r.Fail($"network policy format {format} is not known");
        if (!r.VarInt32(out var discharge, int.MaxValue, "care after discharge days")) return false;
        if (!r.VarInt32(out var visit, int.MaxValue, "care after visit days")) return false;
        policy = new NetworkPolicy(discharge, visit);
        return true;
    }
}
