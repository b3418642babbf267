using HealthLedger.Node.Encounters;

namespace HealthLedger.Node.Accounts;

/// <summary>One line of an account (a charge is positive, a payment negative) with the running balance after it.</summary>
public sealed record AccountLine(EntryView Entry, decimal Amount, decimal RunningBalance);
