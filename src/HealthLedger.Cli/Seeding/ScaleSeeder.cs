using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Cli.Seeding;

/// <summary>
/// A fast bulk generator for scale studies (<c>healthledger seed --scale</c>): patients without logins (their keys are made,
/// published on the chain and forgotten: no Argon2id, no keystore entry) and their entries (visits, charges, payments), every
/// record sealed under the patient's category keys and every transaction signed by the admin in the load nonce lane
/// (<see cref="NonceLanes.Load"/>) and submitted through the node's door (<see cref="LedgerNode.Submit(ReadOnlySpan{byte}, IReadOnlyDictionary{Hash256, byte[]})"/>):
/// checked, ordered, executed and committed like any other. Sealing and signing run on every core; submission is in nonce order.
/// </summary>
/// <remarks>
/// Works in chunks of <see cref="ChunkPatients"/> patients: a chunk's registrations (with their name index) are submitted
/// and committed first, so that the patient's key is in the state when their entries open a category key; the chunk's entries
/// are then submitted without waiting, and the next chunk is sealed while they commit. Entries of a patient are dated in
/// order over the last two years; a payment never exceeds the balance due (charges so far less payments).
/// </remarks>
public sealed class ScaleSeeder(LedgerNode node, CategoryKeyring keyring, OrganisationKeys organisation, PatientIndexer indexer, UserSession admin, DateTimeOffset now,
    IReadOnlyList<string> doctorIds, int seed)
{
    /// <summary>Patients per chunk (registrations committed before their entries are sealed).</summary>
    public const int ChunkPatients = 1000;

    private static readonly string[] Conditions = ["Hypertension", "Type 2 diabetes", "Asthma", "COPD", "Heart failure", "Pneumonia", "Chronic kidney disease", "Depression",
        "Osteoarthritis", "Migraine", "Atrial fibrillation", "Hypothyroidism", "Anaemia", "Epilepsy"];
    private static readonly string[] Services = ["Consultation", "X-ray", "CT scan", "Blood panel", "Physiotherapy session", "Medication", "ECG"];
    private static readonly string[] Towns = ["Leeds", "York", "Bristol", "Norwich", "Exeter", "Derby", "Bath", "Hull", "Luton", "Reading"];

    /// <summary>What was written.</summary>
    /// <param name="Patients">Patients registered (committed, accepted).</param>
    /// <param name="Entries">Entries committed and accepted.</param>
    /// <param name="Rejected">Transactions refused at the door or rejected in their block; the first reason in <paramref name="FirstReason"/>.</param>
    /// <param name="Transactions">Transactions submitted.</param>
    /// <param name="Elapsed">Wall time.</param>
    /// <param name="Interrupted">
    /// Cancelled part-way: <paramref name="Patients"/> and <paramref name="Entries"/> are those committed by then (more of the
    /// transactions submitted may still commit as the node stops).
    /// </param>
    public sealed record Result(int Patients, long Entries, long Rejected, string? FirstReason, long Transactions, TimeSpan Elapsed, bool Interrupted = false);

    private sealed record Signed(Transaction Tx, Dictionary<Hash256, byte[]> Blobs, bool IsPatient, bool IsEntry);

    /// <summary>
    /// Registers <paramref name="patients"/> patients and spreads <paramref name="entries"/> entries over them (the first ones one
    /// more when it does not divide); <paramref name="progress"/> gets (patients, entries) submitted so far. Cancelled, it stops
    /// submitting and returns what had committed by then (<see cref="Result.Interrupted"/>).
    /// </summary>
    public async Task<Result> RunAsync(int patients, long entries, Action<int, long> progress, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var signer = admin.Keys.Signing;
        var nonce = node.Nonces(signer.PublicKey, NonceLanes.Load).Next;
        var rejected = 0L;
        string? firstReason = null;
        int registered = 0, submittedPatients = 0;
        long committedEntries = 0, submittedEntries = 0, transactions = 0;
        Signed[]? inFlightEntries = null;
        // Submitted (or being submitted) and not counted yet: what an interruption counts from the node.
        var uncounted = new List<IReadOnlyList<Signed>>();

        void Rejected(string reason)
        {
            Interlocked.Increment(ref rejected);
            Interlocked.CompareExchange(ref firstReason, reason, null);
        }

        try
        {
            for (var first = 0; first < patients; first += ChunkPatients)
            {
                var count = Math.Min(ChunkPatients, patients - first);
                var plans = new PatientPlan[count];
                Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, j => plans[j] = Plan(first + j, patients, entries));
                using var holds = new Holds(plans.Select(p => indexer.Hold(p.PatientId)).ToList());
                // Registrations: two transactions per patient (register, name index), nonces in patient order.
                var registrations = new Signed[count * 2];
                var regBase = nonce;
                Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, j =>
                {
                    var (register, index) = SealRegistration(plans[j], regBase + (ulong)(2 * j));
                    registrations[2 * j] = register;
                    registrations[2 * j + 1] = index;
                });
                nonce += (ulong)registrations.Length;
                uncounted.Add(registrations);
                await SubmitAllAsync(registrations, Rejected, ct);
                transactions += registrations.Length;
                submittedPatients += count;
                progress(submittedPatients, submittedEntries);
                // Waiting for the last registration also waits for the entries of the chunk before (earlier nonces, same lane).
                registered += await SettleAsync(registrations, Rejected, ct);
                uncounted.Remove(registrations);
                if (inFlightEntries is not null)
                {
                    committedEntries += await CountCommittedAsync(inFlightEntries, Rejected, ct);
                    uncounted.Remove(inFlightEntries);
                }

                var counts = plans.Select(p => p.Entries).ToArray();
                var offsets = new long[count + 1];
                for (var j = 0; j < count; j++) offsets[j + 1] = offsets[j] + counts[j];
                var chunkEntries = new Signed[offsets[count]];
                var entryBase = nonce;
                Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, j =>
                {
                    var sealedEntries = SealEntries(plans[j], entryBase + (ulong)offsets[j]);
                    sealedEntries.CopyTo(chunkEntries, offsets[j]);
                });
                nonce += (ulong)chunkEntries.Length;
                uncounted.Add(chunkEntries);
                await SubmitAllAsync(chunkEntries, Rejected, ct);
                transactions += chunkEntries.Length;
                submittedEntries += chunkEntries.Length;
                progress(submittedPatients, submittedEntries);
                inFlightEntries = chunkEntries;
            }
            if (inFlightEntries is not null) committedEntries += await CountCommittedAsync(inFlightEntries, Rejected, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // What the node committed of what was not counted yet, without waiting for the rest.
            foreach (var batch in uncounted)
            {
                foreach (var signed in batch)
                {
                    if (Committed(signed.Tx.Id) is not { } done || done.Receipt.Verdict != TxVerdict.Ok) continue;
                    if (signed.IsPatient) registered++;
                    else if (signed.IsEntry) committedEntries++;
                }
            }
            return new Result(registered, committedEntries, rejected, firstReason, transactions, started.Elapsed, Interrupted: true);
        }
        return new Result(registered, committedEntries, rejected, firstReason, transactions, started.Elapsed);
    }

    // The transaction's commit if it has committed, without waiting.
    private HealthLedger.Storage.CommittedTransaction? Committed(Hash256 id)
    {
        var task = node.WaitForCommitAsync(id, new CancellationToken(canceled: true));
        return task.IsCompletedSuccessfully ? task.Result : null;
    }

    // Waits for the registrations to commit; returns the patients registered.
    private async Task<int> SettleAsync(Signed[] registrations, Action<string> rejected, CancellationToken ct)
    {
        var registered = 0;
        foreach (var signed in registrations)
        {
            var committed = await node.WaitForCommitAsync(signed.Tx.Id, ct);
            if (committed.Receipt.Verdict != TxVerdict.Ok) rejected($"{committed.Receipt.Verdict}: {committed.Receipt.Reason}");
            else if (signed.IsPatient) registered++;
        }
        return registered;
    }

    private async Task<long> CountCommittedAsync(IReadOnlyList<Signed> signed, Action<string> rejected, CancellationToken ct)
    {
        var ok = 0L;
        foreach (var s in signed)
        {
            var committed = await node.WaitForCommitAsync(s.Tx.Id, ct);
            if (committed.Receipt.Verdict != TxVerdict.Ok) rejected($"{committed.Receipt.Verdict}: {committed.Receipt.Reason}");
            else if (s.IsEntry) ok++;
        }
        return ok;
    }

    // In nonce order through the door; a full mempool (Busy) is waited out.
    private async Task SubmitAllAsync(IReadOnlyList<Signed> batch, Action<string> rejected, CancellationToken ct)
    {
        foreach (var signed in batch)
        {
            while (true)
            {
                var result = node.Submit(signed.Tx.Encoded.Span, signed.Blobs).Result;
                if (result.IsOk) break;
                if (result.Verdict != TxVerdict.Busy)
                {
                    throw new InvalidOperationException($"the node refused a generated transaction at the door ({result.Verdict}: {result.Reason})");
                }
                await Task.Delay(50, ct); // the mempool drains as blocks commit
            }
        }
    }

    private sealed record PatientPlan(int Number, string PatientId, PatientDetails Details, int Entries, int RandomSeed);

    private PatientPlan Plan(int number, int patients, long entries)
    {
        var random = new Random(HashCode.Combine(seed, number, 7919));
        var perPatient = (int)(entries / patients) + (number < entries % patients ? 1 : 0);
        var gender = random.Next(2) == 0 ? "female" : "male";
        var first = SyntheticNames.First[random.Next(SyntheticNames.First.Length)];
        var last = SyntheticNames.Last[random.Next(SyntheticNames.Last.Length)];
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var details = new PatientDetails
        {
            Mrn = FormattableString.Invariant($"SC{seed & 0xffff:X4}-{number:D7}"),
            FullName = $"{first} {last}",
            DateOfBirth = today.AddDays(-random.Next(365, 365 * 95)),
            Gender = gender,
            Phone = FormattableString.Invariant($"+44 7{random.Next(100, 999)} {random.Next(100_000, 999_999)}"),
            Email = FormattableString.Invariant($"{first}.{last}{number}@example.org").ToLowerInvariant(),
            Address = FormattableString.Invariant($"{random.Next(1, 200)} {SyntheticNames.Last[random.Next(SyntheticNames.Last.Length)]} Road, {Towns[random.Next(Towns.Length)]}"),
            Conditions = [Conditions[random.Next(Conditions.Length)]],
            EmergencyContact = FormattableString.Invariant($"{SyntheticNames.First[random.Next(SyntheticNames.First.Length)]} {last} (spouse)"),
            BloodGroup = new[] { "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-" }[random.Next(8)],
            Allergies = random.Next(10) < 3 ? "Penicillin" : "",
        };
        return new PatientPlan(number, RecordIds.New("pt"), details, perPatient, random.Next());
    }

    private (Signed Register, Signed Index) SealRegistration(PatientPlan plan, ulong nonce)
    {
        // The patient's keys are published on the chain and forgotten: no login (no Argon2id, no keystore entry).
        using var keys = UserKeys.FromSecret(RandomNumberGenerator.GetBytes(UserKeys.SecretLength));
        var (reference, ciphertext) = keyring.Seal(plan.PatientId, ConsentCategories.Demographics, plan.PatientId, 1, plan.Details, newPatientKey: keys.Encryption.PublicKey);
        var register = new RegisterPatientPayload(plan.PatientId, admin.OrganisationId, organisation.BlindIndex(plan.Details.Mrn), keys.Signing.PublicKey,
            keys.Encryption.PublicKey, reference);
        var index = new IndexPatientPayload(plan.PatientId, organisation.NameDobIndex(plan.Details.FullName, plan.Details.DateOfBirth), null);
        return (new Signed(Transaction.Create(node.Network.NetworkId, admin.Keys.Signing, nonce, register), RecordWriter.Blobs(reference, ciphertext), true, false),
            new Signed(Transaction.Create(node.Network.NetworkId, admin.Keys.Signing, nonce + 1, index), [], false, false));
    }

    private Signed[] SealEntries(PatientPlan plan, ulong nonce)
    {
        var random = new Random(plan.RandomSeed);
        var result = new Signed[plan.Entries];
        var balance = 0m;
        // Dated in order over the last two years, the last one at least an hour ago.
        var at = now.AddDays(-730).AddMinutes(random.Next(0, 24 * 60));
        var step = TimeSpan.FromMinutes(Math.Max(60, 729.0 * 24 * 60 / Math.Max(1, plan.Entries)));
        for (var k = 0; k < plan.Entries; k++)
        {
            at = at.Add(step);
            var (type, details) = (k % 4) switch
            {
                0 => (EntryType.Visit, new EntryDetails { OccurredAt = at, Notes = "Outpatient review; plan discussed with the patient.", Diagnosis = Conditions[random.Next(Conditions.Length)] }),
                1 or 2 => (EntryType.Charge, new EntryDetails { OccurredAt = at, Service = Services[random.Next(Services.Length)], Quantity = random.Next(1, 3), UnitPrice = random.Next(20, 400) }),
                _ => (EntryType.Payment, new EntryDetails { OccurredAt = at, Amount = Math.Max(1m, Math.Floor(balance / 2)), Method = random.Next(2) == 0 ? "card" : "insurance" }),
            };
            if (type == EntryType.Payment && balance < 1m) (type, details) = (EntryType.Charge, new EntryDetails { OccurredAt = at, Service = "Consultation", Quantity = 1, UnitPrice = 85m });
            balance += details.AccountEffect(type);
            var entryId = RecordIds.New("en");
            var (reference, ciphertext) = keyring.Seal(plan.PatientId, type.ConsentCategory(), entryId, 1, details);
            var doctor = type == EntryType.Visit ? doctorIds[(plan.Number + k) % doctorIds.Count] : "";
            var payload = new AddEntryPayload(entryId, plan.PatientId, type, doctor, "", reference);
            result[k] = new Signed(Transaction.Create(node.Network.NetworkId, admin.Keys.Signing, nonce + (ulong)k, payload), RecordWriter.Blobs(reference, ciphertext), false, true);
        }
        return result;
    }

    private sealed class Holds(List<IDisposable> holds) : IDisposable
    {
        public void Dispose()
        {
            foreach (var hold in holds) hold.Dispose();
        }
    }
}
