using HealthLedger.Node.Encounters;

namespace HealthLedger.Node.Accounts;

/// <summary>A patient's hospital account: its lines in date order and the totals (in the hospital's currency).</summary>
public sealed record AccountView(string PatientId, IReadOnlyList<AccountLine> Lines, decimal Charges, decimal Payments, decimal Balance)
{
    /// <summary>
    /// The charges and payments that later entries corrected (each names its correction in <see cref="EntryView.CorrectedBy"/>),
    /// in date order. They count in no total or balance; the account page shows them struck through next to their corrections.
    /// </summary>
    public IReadOnlyList<EntryView> Superseded { get; init; } = [];
}
