using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Records;

/// <summary>
/// Expenses at block time: who records them, the approval threshold (default and configured), the second admin's approval
/// (never the recorder's, never twice), rejection, dates not in the future, budgets; every refusal writes nothing.
/// </summary>
public class ExpenseTests
{
    private const ulong T = 1_700_000_100_000;
    private static readonly int Today = Pharmacy.Day(T);

    private sealed class Hospital : IDisposable
    {
        public TestNetwork Net { get; } = new();
        public UserKeys Accountant { get; } = TestNetwork.KeysFor("acc-one");
        public UserKeys SecondAdmin { get; } = TestNetwork.KeysFor("admin-two");
        public UserKeys Doctor { get; } = TestNetwork.KeysFor("dr-one");
        private ulong _accountantNonce;
        private ulong _secondNonce;
        private ulong _doctorNonce;
        private int _seal;

        public Hospital()
        {
            var results = Net.Append(T, [Net.Register("acc-one", Role.Accountant), Net.Register("admin-two", Role.Admin), Net.Register("dr-one", Role.Doctor)]);
            Assert.All(results.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public EncryptionPublicKey OrgKey => Net.Organisation.Encryption.PublicKey;

        public SealedRecordRef Sealed(params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(++_seal)), 64, to.Select(k => RecordCrypto.Wrap(new byte[32], k, new byte[32], [])).ToList());

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction AsAccountant(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Accountant.Signing, ++_accountantNonce, payload);

        public Transaction AsSecondAdmin(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, SecondAdmin.Signing, ++_secondNonce, payload);

        public Transaction AsDoctor(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Doctor.Signing, ++_doctorNonce, payload);

        public Receipt Run(Transaction tx) => Assert.Single(Net.Append(Net.Tip.Timestamp + 1, [tx]).Execution.Receipts);

        public void Ok(Transaction tx)
        {
            var receipt = Run(tx);
            Assert.True(receipt.Verdict == TxVerdict.Ok, receipt.Reason);
        }

        public RecordExpensePayload Expense(string id, long amountMinor, int day = 0, string department = "Radiology", bool invoice = false) =>
            new(id, TestNetwork.OrgId, day == 0 ? Today : day, "supplies", department, amountMinor, "bank-transfer", Sealed(OrgKey),
                invoice ? Hashing.Sha256("invoice"u8) : null, invoice ? Sealed(OrgKey) : null);

        /// <summary>The state-independent check every node runs on a transaction's bytes.</summary>
        public TxVerdict Decoded(TxPayload payload) =>
            Transaction.TryDecode(Transaction.Create(TestNetwork.NetworkId, Accountant.Signing, 1, payload).Encoded.Span, 65536, out _).Verdict;

        public ExpenseState? Get(string id) => Net.State.TryGet(ExpenseState.Key(id), out var b) ? ExpenseState.TryDecode(b) : null;

        public void Dispose()
        {
            Accountant.Dispose();
            SecondAdmin.Dispose();
            Doctor.Dispose();
            Net.Dispose();
        }
    }

    [Fact]
    public void An_expense_at_or_below_the_default_threshold_is_approved_and_one_above_it_waits_for_approval()
    {
        using var h = new Hospital();
        h.Ok(h.AsAccountant(h.Expense("exp-small", Expenses.DefaultThresholdMinor, invoice: true)));
        h.Ok(h.AsAccountant(h.Expense("exp-big", Expenses.DefaultThresholdMinor + 1)));
        var small = h.Get("exp-small")!;
        Assert.Equal((ExpenseStatus.Approved, "acc-one", "", Expenses.DefaultThresholdMinor), (small.Status, small.RecordedBy, small.ReviewedBy, small.ThresholdMinor));
        Assert.Equal(Hashing.Sha256("invoice"u8), small.InvoiceSha256);
        Assert.NotNull(small.Invoice);
        Assert.Equal(ExpenseStatus.PendingApproval, h.Get("exp-big")!.Status);
    }

    [Fact]
    public void Only_an_admin_sets_the_threshold_and_it_applies_to_later_expenses()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsAccountant(new SetExpensePolicyPayload(TestNetwork.OrgId, 5_000))).Verdict);
        Assert.Equal(Expenses.DefaultThresholdMinor, Expenses.Threshold(h.Net.State, TestNetwork.OrgId));
        h.Ok(h.Admin(new SetExpensePolicyPayload(TestNetwork.OrgId, 5_000)));
        Assert.Equal(5_000, Expenses.Threshold(h.Net.State, TestNetwork.OrgId));
        h.Ok(h.AsAccountant(h.Expense("exp-1", 5_001)));
        Assert.Equal((ExpenseStatus.PendingApproval, 5_000L), (h.Get("exp-1")!.Status, h.Get("exp-1")!.ThresholdMinor));
        Assert.Equal(TxVerdict.InvalidField, h.Decoded(new SetExpensePolicyPayload(TestNetwork.OrgId, Expenses.MaxAmountMinor + 1)));
    }

    [Fact]
    public void A_second_admin_approves_once_and_the_recorder_never_approves_their_own()
    {
        using var h = new Hospital();
        h.Ok(h.Admin(h.Expense("exp-1", 250_000)));
        var own = h.Run(h.Admin(new ApproveExpensePayload("exp-1")));
        Assert.Equal(TxVerdict.Unauthorized, own.Verdict);
        Assert.StartsWith("approver:", own.Reason);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsAccountant(new ApproveExpensePayload("exp-1"))).Verdict);
        Assert.Equal(ExpenseStatus.PendingApproval, h.Get("exp-1")!.Status);
        h.Ok(h.AsSecondAdmin(new ApproveExpensePayload("exp-1")));
        var approved = h.Get("exp-1")!;
        Assert.Equal((ExpenseStatus.Approved, "admin-two"), (approved.Status, approved.ReviewedBy));
        Assert.NotNull(approved.ReviewProof);
        var twice = h.Run(h.AsSecondAdmin(new ApproveExpensePayload("exp-1")));
        Assert.Equal(TxVerdict.Conflict, twice.Verdict);
        Assert.StartsWith("status:", twice.Reason);
        Assert.Equal(TxVerdict.NotFound, h.Run(h.AsSecondAdmin(new ApproveExpensePayload("exp-none"))).Verdict);
    }

    [Fact]
    public void A_rejected_expense_stays_rejected_and_an_approved_one_cannot_be_rejected()
    {
        using var h = new Hospital();
        h.Ok(h.AsAccountant(h.Expense("exp-1", 250_000)));
        h.Ok(h.AsAccountant(h.Expense("exp-2", 100)));
        h.Ok(h.AsSecondAdmin(new RejectExpensePayload("exp-1")));
        Assert.Equal(ExpenseStatus.Rejected, h.Get("exp-1")!.Status);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(new ApproveExpensePayload("exp-1"))).Verdict);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(new RejectExpensePayload("exp-2"))).Verdict);
        Assert.Equal(ExpenseStatus.Approved, h.Get("exp-2")!.Status);
    }

    [Fact]
    public void Doctors_may_not_record_and_bad_or_future_expenses_write_nothing()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Expense("exp-1", 100))).Verdict);
        var future = h.Run(h.AsAccountant(h.Expense("exp-1", 100, day: Today + 2)));
        Assert.Equal((TxVerdict.InvalidField, "date: the expense date is in the future"), (future.Verdict, future.Reason));
        Assert.Equal(TxVerdict.InvalidField, h.Decoded(h.Expense("exp-1", 0)));
        Assert.Equal(TxVerdict.InvalidField, h.Decoded(h.Expense("exp-1", Expenses.MaxAmountMinor + 1)));
        Assert.Equal(TxVerdict.InvalidField, h.Decoded(h.Expense("exp-1", 100, department: "/etc")));
        Assert.Equal(TxVerdict.InvalidField, h.Decoded(h.Expense("exp-1", 100) with { Category = "bribes" }));
        Assert.Equal(TxVerdict.Ok, h.Decoded(h.Expense("exp-1", 100)));
        var unsealed = h.AsAccountant(h.Expense("exp-1", 100) with { Record = h.Sealed(h.Accountant.Encryption.PublicKey) });
        Assert.Equal(TxVerdict.InvalidField, h.Run(unsealed).Verdict);
        Assert.Null(h.Get("exp-1"));
        h.Ok(h.AsAccountant(h.Expense("exp-1", 100, day: Today + 1)));
        Assert.Equal(TxVerdict.AlreadyExists, h.Run(h.AsAccountant(h.Expense("exp-1", 100))).Verdict);
    }

    [Fact]
    public void Accountants_and_admins_set_a_departments_monthly_budget_and_a_later_one_replaces_it()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(new SetBudgetPayload(TestNetwork.OrgId, 202611, "Radiology", 1_000))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, h.Decoded(new SetBudgetPayload(TestNetwork.OrgId, 202613, "Radiology", 1_000)));
        h.Ok(h.AsAccountant(new SetBudgetPayload(TestNetwork.OrgId, 202611, "Radiology", 1_000)));
        h.Ok(h.Admin(new SetBudgetPayload(TestNetwork.OrgId, 202611, "radiology ", 2_500)));
        Assert.True(h.Net.State.TryGet(BudgetState.Key(TestNetwork.OrgId, 202611, "RADIOLOGY"), out var bytes));
        var budget = BudgetState.TryDecode(bytes)!;
        Assert.Equal((2_500L, "radiology", "admin"), (budget.AmountMinor, budget.Department, budget.SetBy));
    }
}
