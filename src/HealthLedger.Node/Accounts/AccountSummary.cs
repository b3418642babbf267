using HealthLedger.Node.Patients;

namespace HealthLedger.Node.Accounts;

/// <summary>One patient's account totals in the organisation's account list.</summary>
public sealed record AccountSummary(PatientView Patient, decimal Charges, decimal Payments, decimal Balance, int Lines);
