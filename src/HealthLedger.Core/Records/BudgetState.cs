using System.Globalization;
using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A department's budget for one month (state <c>budget/&lt;organisation&gt;/&lt;yyyymm&gt;/&lt;department key&gt;</c>), the
/// latest amount set (organisation finance, not PHI, in plaintext).
/// </summary>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="Month">The month as yyyymm (e.g. 202611).</param>
/// <param name="Department">The department as written when last set.</param>
/// <param name="AmountMinor">The budget in minor units of the hospital's currency.</param>
/// <param name="SetBy">The user who set it.</param>
/// <param name="Proof">Where it was set.</param>
public sealed record BudgetState(string OrganisationId, int Month, string Department, long AmountMinor, string SetBy, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of budgets.</summary>
    public const string Prefix = "budget/";

    /// <summary>The state key of a department's budget for a month.</summary>
    public static string Key(string organisationId, int month, string department) =>
        Prefix + organisationId + "/" + month.ToString(CultureInfo.InvariantCulture) + "/" + Expenses.DepartmentKey(department);

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(160).U8(FormatVersion).Text(OrganisationId).VarUInt((ulong)Month).Text(Department).VarUInt((ulong)AmountMinor).Text(SetBy);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static BudgetState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var org, 64, "organisation");
        r.VarInt32(out var month, 999_912, "month");
        r.Text(out var department, 256, "department");
        r.VarUInt(out var amount, (ulong)Expenses.MaxAmountMinor, "amount");
        r.Text(out var by, 64, "set by");
        if (!RecordProof.TryRead(ref r, out var proof) || !r.End()) return null;
        return new BudgetState(org, month, department, (long)amount, by, proof);
    }
}
