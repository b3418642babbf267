namespace HealthLedger.Node.Hospital;

/// <summary>A page of results.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int PageNumber, int PageSize)
{
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>Patient list filters.</summary>
public sealed record PatientQuery(string? Search = null, string? Condition = null, string? Sort = null, bool Descending = false, int Page = 1, int PageSize = 20);

/// <summary>Doctor directory filters.</summary>
public sealed record DoctorQuery(string? Search = null, string? Specialty = null, string? Department = null, bool? OnCall = null, int Page = 1, int PageSize = 50);

/// <summary>What a write produced: the record and where the ledger holds it.</summary>
public sealed record WriteResult(string Id, string TransactionId, ulong Height, string? OneTimePassword = null);

/// <summary>A patient's hospital account.</summary>
public sealed record AccountView(string PatientId, IReadOnlyList<AccountLine> Lines, decimal Charges, decimal Payments, decimal Balance);

/// <summary>One line of an account with the running balance after it.</summary>
public sealed record AccountLine(EntryView Entry, decimal Amount, decimal RunningBalance);

/// <summary>Organisation-wide entry list filters (admins).</summary>
public sealed record EntryQuery(string? Type = null, string? DoctorId = null, DateOnly? From = null, DateOnly? To = null, string? PatientId = null, int Page = 1, int PageSize = 50);

/// <summary>Account list filters (admins): search by patient name or MRN; sort by balance, charges, payments or name.</summary>
public sealed record AccountQuery(string? Search = null, bool OutstandingOnly = false, string? Sort = null, bool Descending = true, int Page = 1, int PageSize = 50);

/// <summary>One patient's account totals in the organisation's account list.</summary>
public sealed record AccountSummary(PatientView Patient, decimal Charges, decimal Payments, decimal Balance, int Lines);
