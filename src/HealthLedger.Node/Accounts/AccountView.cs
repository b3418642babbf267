namespace HealthLedger.Node.Accounts;

/// <summary>A patient's hospital account: its lines in date order and the totals (in the hospital's currency).</summary>
public sealed record AccountView(string PatientId, IReadOnlyList<AccountLine> Lines, decimal Charges, decimal Payments, decimal Balance);
