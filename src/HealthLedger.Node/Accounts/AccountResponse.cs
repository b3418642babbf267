using HealthLedger.Node.Encounters;

namespace HealthLedger.Node.Accounts;

/// <summary>One account line: the entry, its signed amount (charges positive, payments negative) and the balance after it.</summary>
public sealed record AccountLineResponse(EntryResponse Entry, decimal Amount, decimal RunningBalance);

/// <summary>A patient's hospital account as the API shows it.</summary>
public sealed record AccountResponse(string PatientId, IReadOnlyList<AccountLineResponse> Lines, decimal Charges, decimal Payments, decimal Balance)
{
    public static AccountResponse From(AccountView a) =>
        new(a.PatientId, a.Lines.Select(l => new AccountLineResponse(EntryResponse.From(l.Entry), l.Amount, l.RunningBalance)).ToList(), a.Charges, a.Payments, a.Balance);
}

/// <summary>One patient's account totals in the organisation's account list.</summary>
public sealed record AccountSummaryResponse(string PatientId, string Mrn, string FullName, decimal Charges, decimal Payments, decimal Balance, int Lines)
{
    public static AccountSummaryResponse From(AccountSummary a) =>
        new(a.Patient.Id, a.Patient.Details.Mrn, a.Patient.Details.FullName, a.Charges, a.Payments, a.Balance, a.Lines);
}
