using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;
using ExpenseRules = HealthLedger.Core.Records.Expenses;

namespace HealthLedger.Node.Expenses;

/// <summary>The department budgets of the read model (state <c>budget/…</c>; plaintext organisation finance, nothing sealed).</summary>
public sealed class BudgetStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BudgetState> _budgets = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => BudgetState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) =>
        payload is SetBudgetPayload b ? [BudgetState.Key(b.OrganisationId, b.Month, b.Department)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (key, value) in entries)
        {
            if (BudgetState.TryDecode(value) is not { } budget) continue;
            lock (_lock) _budgets[key] = budget;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) => [];

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => [];

    /// <summary>An organisation's budgets for a month (yyyymm), by department.</summary>
    public IReadOnlyList<BudgetState> Budgets(string organisationId, int month)
    {
        lock (_lock)
        {
            return _budgets.Values.Where(b => b.OrganisationId == organisationId && b.Month == month)
                .OrderBy(b => b.Department, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }

    /// <summary>The departments an organisation has ever budgeted for, by name.</summary>
    public IReadOnlyList<string> Departments(string organisationId)
    {
        lock (_lock)
        {
            return _budgets.Values.Where(b => b.OrganisationId == organisationId).Select(b => b.Department)
                .DistinctBy(ExpenseRules.DepartmentKey).Order(StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}
