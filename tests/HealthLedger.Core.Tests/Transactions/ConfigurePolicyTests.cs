using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Transactions;

/// <summary>The network policy: set by the genesis block, changed by an admin's <see cref="ConfigurePolicyPayload"/>, applied at block time.</summary>
public class ConfigurePolicyTests
{
    private const ulong T0 = 1_700_000_100_000;
    private const ulong Day = NetworkPolicy.DayMs;

    /// <summary>A network whose genesis sets <paramref name="policy"/>, with two doctors and a patient.</summary>
    private sealed class World : IDisposable
    {
        private readonly UserKeys _patient = TestNetwork.KeysFor("pt-pol");
        private readonly UserKeys _doctor = TestNetwork.KeysFor("dr-a");
        private ulong _doctorNonce;
        private int _entries;

        public World(NetworkPolicy policy)
        {
            Net = new TestNetwork(T0 - 1000, policy);
            var org = Net.Organisation.Encryption.PublicKey;
            using var b = TestNetwork.KeysFor("dr-b");
            var receipts = Net.Append(T0, [
                Admin(new RegisterDoctorPayload("dr-a", TestNetwork.OrgId, _doctor.Signing.PublicKey, _doctor.Encryption.PublicKey, Sealed(1, org))),
                Admin(new RegisterDoctorPayload("dr-b", TestNetwork.OrgId, b.Signing.PublicKey, b.Encryption.PublicKey, Sealed(2, org))),
                Admin(new RegisterPatientPayload("pt-pol", TestNetwork.OrgId, Hash256.Zero, _patient.Signing.PublicKey, _patient.Encryption.PublicKey, Sealed(3, org, _patient.Encryption.PublicKey))),
            ]).Execution.Receipts;
            Assert.All(receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public TestNetwork Net { get; }

        public EncryptionPublicKey PatientKey => _patient.Encryption.PublicKey;

        public SealedRecordRef Sealed(int n, params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(n)), 10, to.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)n, 32).ToArray(), [])).ToList());

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction AsDoctor(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, _doctor.Signing, ++_doctorNonce, payload);

        public Receipt Run(ulong at, Transaction tx) => Assert.Single(Net.Append(at, [tx]).Execution.Receipts);

        /// <summary>An entry by the admin, run at <paramref name="at"/>; it must be accepted.</summary>
        public void Entry(ulong at, EntryType type, string doctor = "") => Assert.Equal(TxVerdict.Ok, Run(at, EntryTx(type, doctor)).Verdict);

        /// <summary>An entry signed by the admin.</summary>
        public Transaction EntryTx(EntryType type, string doctor = "")
        {
            var n = 100 + ++_entries;
            var bed = type is EntryType.Admission or EntryType.Transfer ? Hashing.Sha256(BitConverter.GetBytes(n)) : Hash256.Zero;
            return Admin(new AddEntryPayload($"en-{n}", "pt-pol", type, doctor, "", Sealed(n, Net.Organisation.Encryption.PublicKey, _patient.Encryption.PublicKey), bed));
        }

        public bool Attends(string doctor, ulong at) => Consent.Attends(Net.State, doctor, "pt-pol", at);

        public PolicyState Policy => PolicyState.Read(Net.State)!;

        public void Dispose()
        {
            _patient.Dispose();
            _doctor.Dispose();
            Net.Dispose();
        }
    }

    [Fact]
    public void Genesis_sets_version_1_of_the_policy_held_by_the_founding_organisation()
    {
        using var w = new World(new NetworkPolicy(1, 14));
        var policy = w.Policy;
        Assert.Equal((1, TestNetwork.OrgId, new NetworkPolicy(1, 14)), (policy.Version, policy.OrganisationId, policy.Policy));
        Assert.Equal((0UL, w.Net.Blocks[0].Block.Transactions[0].Id), (policy.Proof.Height, policy.Proof.TxId));
        Assert.Equal(policy, PolicyState.TryDecode(policy.Encode()));
    }

    [Fact]
    public void A_one_day_grace_ends_a_doctors_access_one_day_after_the_discharge_and_a_change_to_three_days_applies_to_later_discharges_only()
    {
        using var w = new World(new NetworkPolicy(1, 30));
        w.Entry(T0 + 10, EntryType.Admission, "dr-a");
        var discharged = T0 + 20;
        w.Entry(discharged, EntryType.Discharge);
        Assert.True(w.Attends("dr-a", discharged + Day - 1));
        Assert.False(w.Attends("dr-a", discharged + Day));
        Assert.Equal(discharged + Day, Consent.Care(w.Net.State, "pt-pol", "dr-a")!.Until);
        var report = new AddReportPayload("rp-1", "pt-pol", 1, ReportType.Lab, Hashing.Sha256("r"u8), w.Sealed(50, w.Net.Organisation.Encryption.PublicKey, w.PatientKey), null);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(discharged + Day, w.AsDoctor(report)).Verdict);  // refused at block time

        // A stay under dr-b discharged under the 1-day policy keeps its end when the policy changes to 3 days.
        w.Entry(T0 + 2 * Day, EntryType.Admission, "dr-b");
        var dischargedBefore = T0 + 2 * Day + 10;
        w.Entry(dischargedBefore, EntryType.Discharge);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 2 * Day + 20, w.Admin(new ConfigurePolicyPayload(2, new NetworkPolicy(3, 30)))).Verdict);
        Assert.Equal((2, new NetworkPolicy(3, 30)), (w.Policy.Version, w.Policy.Policy));
        Assert.False(w.Attends("dr-b", dischargedBefore + Day));

        // A discharge after the change gives three days.
        w.Entry(T0 + 4 * Day, EntryType.Admission, "dr-a");
        var dischargedAfter = T0 + 4 * Day + 10;
        w.Entry(dischargedAfter, EntryType.Discharge);
        Assert.True(w.Attends("dr-a", dischargedAfter + 3 * Day - 1));
        Assert.False(w.Attends("dr-a", dischargedAfter + 3 * Day));
    }

    [Fact]
    public void The_visit_period_comes_from_the_policy_at_the_visits_block()
    {
        using var w = new World(new NetworkPolicy(7, 2));
        w.Entry(T0 + 10, EntryType.Visit, "dr-b");
        Assert.Equal(T0 + 10 + 2 * Day, Consent.Care(w.Net.State, "pt-pol", "dr-b")!.Until);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.Admin(new ConfigurePolicyPayload(2, new NetworkPolicy(7, 5)))).Verdict);
        Assert.Equal(T0 + 10 + 2 * Day, Consent.Care(w.Net.State, "pt-pol", "dr-b")!.Until);   // unchanged until a later visit
        w.Entry(T0 + 30, EntryType.Visit, "dr-b");
        Assert.Equal(T0 + 30 + 5 * Day, Consent.Care(w.Net.State, "pt-pol", "dr-b")!.Until);
    }

    [Fact]
    public void Only_an_admin_of_the_organisation_holding_the_policy_changes_it_and_a_refusal_changes_nothing()
    {
        using var w = new World(NetworkPolicy.Default);
        var root = w.Net.State.RootWithoutNonces();
        var refused = w.Run(T0 + 10, w.AsDoctor(new ConfigurePolicyPayload(2, new NetworkPolicy(365, 365))));
        Assert.Equal(TxVerdict.Unauthorized, refused.Verdict);
        Assert.Contains($"only an admin of organisation '{TestNetwork.OrgId}' may change the network policy", refused.Reason);
        Assert.Equal(root, w.Net.State.RootWithoutNonces());
        Assert.Equal((1, NetworkPolicy.Default), (w.Policy.Version, w.Policy.Policy));
        var organisationKey = Transaction.Create(TestNetwork.NetworkId, w.Net.Organisation.Signing, 2, new ConfigurePolicyPayload(2, new NetworkPolicy(1, 1)));
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 11, organisationKey).Verdict);
    }

    [Fact]
    public void A_change_must_follow_the_current_version()
    {
        using var w = new World(NetworkPolicy.Default);
        var skipped = w.Run(T0 + 10, w.Admin(new ConfigurePolicyPayload(3, new NetworkPolicy(1, 1))));
        Assert.Equal(TxVerdict.Conflict, skipped.Verdict);
        Assert.StartsWith("version: the policy is at version 1", skipped.Reason);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, w.Admin(new ConfigurePolicyPayload(2, new NetworkPolicy(1, 1)))).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 12, w.Admin(new ConfigurePolicyPayload(2, new NetworkPolicy(2, 2)))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 13, w.Admin(new ConfigurePolicyPayload(3, new NetworkPolicy(2, 2)))).Verdict);
    }

    [Theory]
    [InlineData(366, 30, "careAfterDischargeDays")]
    [InlineData(7, 0, "careAfterVisitDays")]
    [InlineData(7, 366, "careAfterVisitDays")]
    [InlineData(int.MaxValue, 30, "careAfterDischargeDays")]
    public void Out_of_range_days_are_refused_at_the_door_naming_the_field(int discharge, int visit, string field)
    {
        using var admin = TestNetwork.Keys(2);
        var tx = Transaction.Create(TestNetwork.NetworkId, admin.Signing, 1, new ConfigurePolicyPayload(2, new NetworkPolicy(discharge, visit)));
        var result = Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.Default.MaxTxBytes, out _);
        Assert.Equal(TxVerdict.InvalidField, result.Verdict);
        Assert.StartsWith(field + ":", result.Reason);

        using var net = new TestNetwork();
        var genesis = Transaction.Create(TestNetwork.NetworkId, net.Organisation.Signing, 1, net.GenesisPayload() with { NetworkPolicy = new NetworkPolicy(discharge, visit) });
        var refused = Transaction.TryDecode(genesis.Encoded.Span, ChainPolicy.Default.MaxTxBytes, out _);
        Assert.Equal(TxVerdict.InvalidField, refused.Verdict);
        Assert.StartsWith("networkPolicy." + field + ":", refused.Reason);
    }

    [Fact]
    public void Zero_days_after_a_discharge_ends_access_with_the_discharge()
    {
        using var w = new World(new NetworkPolicy(0, 1));
        w.Entry(T0 + 10, EntryType.Admission, "dr-a");
        w.Entry(T0 + 20, EntryType.Discharge);
        Assert.False(w.Attends("dr-a", T0 + 20));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(w.Admin(new ConfigurePolicyPayload(1, NetworkPolicy.Default)).Encoded.Span, 65536, out _).Verdict);
    }

    [Fact]
    public void Validators_refuse_a_block_whose_proposer_gave_a_discharge_another_care_period_than_the_chains()
    {
        using var w = new World(new NetworkPolicy(1, 30));
        w.Entry(T0 + 10, EntryType.Admission, "dr-a");
        var discharge = w.EntryTx(EntryType.Discharge);
        var context = new BlockContext { NetworkId = TestNetwork.NetworkId, Previous = w.Net.Tip, Validators = [w.Net.Node.PublicKey], MaxTransactions = 100, LatestTimestamp = T0 + 60_000 };
        var honest = BlockBuilder.Build(w.Net.State, TestNetwork.NetworkId, w.Net.Tip, T0 + 20, [discharge], w.Net.Node);
        Assert.True(BlockValidator.Validate(honest.Block, context, w.Net.State, new Dictionary<Hash256, byte[]>(), _ => true).IsOk);

        // A proposer still on the default 7 days: the same transaction and receipts, a care end 6 days later, so another state root.
        var stale = WorldState.Load(w.Net.State.Entries.Select(e => e.Key == StateKeys.Policy
            ? KeyValuePair.Create(e.Key, (PolicyState.TryDecode(e.Value)! with { Policy = NetworkPolicy.Default }).Encode())
            : e));
        var lying = BlockBuilder.Build(stale, TestNetwork.NetworkId, w.Net.Tip, T0 + 20, [discharge], w.Net.Node);
        var care = lying.Execution.Changes.Entries.Single(c => c.Key.StartsWith("care/", StringComparison.Ordinal));
        Assert.Equal(T0 + 20 + 7 * Day, CareState.TryDecode(care.Value!)!.Until);
        var h = honest.Block.Header;
        var header = BlockHeader.Create(TestNetwork.NetworkId, h.Height, h.PreviousHash, h.Timestamp, h.TxCount, h.TxRoot,
            w.Net.State.Preview(lying.Execution.Changes).Root, h.ReceiptsRoot, w.Net.Node);
        var verdict = BlockValidator.Validate(honest.Block with { Header = header }, context, w.Net.State, new Dictionary<Hash256, byte[]>(), _ => true);
        Assert.Equal(BlockRefusal.StateRootMismatch, verdict.Refusal);
    }
}
