using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Expenses;

/// <summary>The expenses of the read model (state <c>expense/&lt;id&gt;</c>), details decrypted in memory only. Organisation data: no consent category.</summary>
public sealed class ExpenseStore : SealedRecordStore<ExpenseView>
{
    /// <inheritdoc/>
    public override string StatePrefix => ExpenseState.Prefix;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload switch
    {
        RecordExpensePayload r => [ExpenseState.Key(r.ExpenseId)],
        ApproveExpensePayload a => [ExpenseState.Key(a.ExpenseId)],
        RejectExpensePayload j => [ExpenseState.Key(j.ExpenseId)],
        _ => [],
    };

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        ExpenseState.TryDecode(value) is { } s && opener.Open<ExpenseDetails>(s.Id, 1, s.Record) is { } details
            ? new Held(s.Id, new ExpenseView(s.Id, s.OrganisationId, DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + s.Day), s.Category, s.Department,
                Money.FromMinor(s.AmountMinor), s.PaymentMethod, Money.FromMinor(s.ThresholdMinor), s.Status, s.RecordedBy, s.ReviewedBy, s.InvoiceSha256, s.Invoice, details,
                s.Proof, s.ReviewProof), null, 1, s.Record)
            : null;

    /// <summary>An expense, or null.</summary>
    public ExpenseView? Expense(string id) => Find(id)?.View;

    /// <summary>An organisation's expenses, newest date first.</summary>
    public IReadOnlyList<ExpenseView> Expenses(string organisationId) =>
        Select(e => e.OrganisationId == organisationId).OrderByDescending(e => e.Date).ThenByDescending(e => e.Proof.Height).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
}
