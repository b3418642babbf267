using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>
/// An expense of an organisation (state <c>expense/&lt;id&gt;</c>): date, category, department, amount (minor units of the
/// hospital's currency), payment method and status in plaintext because the state machine enforces the approval threshold
/// and budgets are compared with them (organisation finance, not PHI); the vendor and description are sealed for the
/// organisation, and so is the invoice file, whose plaintext SHA-256 is on the chain so a download can be checked.
/// </summary>
/// <param name="Id">Expense id.</param>
/// <param name="OrganisationId">The organisation that spent.</param>
/// <param name="Day">The expense date, days since 1970-01-01.</param>
/// <param name="Category">One of <see cref="Expenses.Categories"/>.</param>
/// <param name="Department">The department charged (<see cref="Expenses.DepartmentRule"/>).</param>
/// <param name="AmountMinor">Amount in minor units (cents).</param>
/// <param name="PaymentMethod">One of <see cref="Expenses.PaymentMethods"/>.</param>
/// <param name="ThresholdMinor">The organisation's approval threshold when it was recorded.</param>
/// <param name="Status">Approved, pending approval or rejected.</param>
/// <param name="RecordedBy">The user who recorded it.</param>
/// <param name="ReviewedBy">The admin who approved or rejected it ("" when approved by being at or below the threshold, or pending).</param>
/// <param name="InvoiceSha256">SHA-256 of the invoice file's plaintext, or null without an invoice.</param>
/// <param name="Record">The sealed details (vendor, description, invoice name and type).</param>
/// <param name="Invoice">The sealed invoice file, or null.</param>
/// <param name="Proof">Where it was recorded.</param>
/// <param name="ReviewProof">Where it was approved or rejected, or null.</param>
public sealed record ExpenseState(string Id, string OrganisationId, int Day, string Category, string Department, long AmountMinor, string PaymentMethod,
    long ThresholdMinor, ExpenseStatus Status, string RecordedBy, string ReviewedBy, Hash256? InvoiceSha256, SealedRecordRef Record, SealedRecordRef? Invoice,
    RecordProof Proof, RecordProof? ReviewProof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of expenses.</summary>
    public const string Prefix = "expense/";

    /// <summary>The state key of expense <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>The record id the invoice file of expense <paramref name="id"/> is sealed under (version 1).</summary>
    public static string InvoiceRecordId(string id) => id + "/invoice";

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(OrganisationId).VarUInt((ulong)Day).Text(Category).Text(Department)
            .VarUInt((ulong)AmountMinor).Text(PaymentMethod).VarUInt((ulong)ThresholdMinor).U8((byte)Status).Text(RecordedBy).Text(ReviewedBy);
        w.Bool(InvoiceSha256 is not null);
        if (InvoiceSha256 is { } h) w.Hash(h);
        Record.Write(w);
        w.Bool(Invoice is not null);
        Invoice?.Write(w);
        Proof.Write(w);
        w.Bool(ReviewProof is not null);
        ReviewProof?.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static ExpenseState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var org, 64, "organisation");
        r.VarInt32(out var day, Expenses.MaxDay, "day");
        r.Text(out var category, 64, "category");
        r.Text(out var department, 256, "department");
        r.VarUInt(out var amount, (ulong)Expenses.MaxAmountMinor, "amount");
        r.Text(out var method, 64, "payment method");
        r.VarUInt(out var threshold, (ulong)Expenses.MaxAmountMinor, "threshold");
        r.U8(out var status);
        r.Text(out var recordedBy, 64, "recorded by");
        r.Text(out var reviewedBy, 64, "reviewed by");
        Hash256? invoiceHash = null;
        if (r.Bool(out var hasHash) && hasHash && r.Hash(out var h, "invoice hash")) invoiceHash = h;
        if (!SealedRecordRef.TryRead(ref r, out var record)) return null;
        SealedRecordRef? invoice = null;
        if (r.Bool(out var hasInvoice) && hasInvoice && !SealedRecordRef.TryRead(ref r, out invoice)) return null;
        if (!RecordProof.TryRead(ref r, out var proof)) return null;
        RecordProof? reviewProof = null;
        if (r.Bool(out var reviewed) && reviewed)
        {
            if (!RecordProof.TryRead(ref r, out var read)) return null;
            reviewProof = read;
        }
        if (!r.End() || !Enum.IsDefined((ExpenseStatus)status)) return null;
        return new ExpenseState(id, org, day, category, department, (long)amount, method, (long)threshold, (ExpenseStatus)status, recordedBy, reviewedBy, invoiceHash,
            record, invoice, proof, reviewProof);
    }
}
