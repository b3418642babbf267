using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// The write path of every hospital module: signs a payload with the acting user's own key (one signature at a time per
/// session, so nonces follow each other), submits it with its record ciphertexts and waits for the commit. The read model
/// is updated before the commit is answered, so a caller may read what it wrote straight away.
/// </summary>
public sealed partial class RecordWriter(LedgerNode node, AccountService accounts, NodeOptions options, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime,
    Microsoft.Extensions.Logging.ILogger<RecordWriter> logger)
{
    // User ids whose registration is under way here (submitted, or taken by the ledger and not yet committed): a second
    // registration of the same id meanwhile would replace the first one's keys in the keystore (PrepareLogin) under a chain
    // record that names the first one's public keys. With the registering organisation and, once the ledger took it without
    // committing it in time, its transaction (MissingMessage).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Registration> _registering = new(StringComparer.Ordinal);

    private sealed record Registration(string OrganisationId, string? Transaction = null);

    /// <summary>
    /// The 404's words for <paramref name="thing"/> <paramref name="id"/> that <paramref name="actor"/> looked for and did not
    /// find: <see cref="Missing.Message"/>, unless it is a user whose registration by the actor's organisation the ledger took on
    /// this node and has not committed yet (a 202: a network without quorum), which is said with its transaction's status
    /// address instead of "does not exist" (it will, once the transaction commits). Other organisations' actors are told
    /// <see cref="Missing.Message"/> alone.
    /// </summary>
    public string MissingMessage(UserSession actor, string thing, string? id, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (id is not null && WaitingTransaction(id, actor) is { } transaction)
        {
            return $"{thing} '{id}' is not on the ledger yet: its registration (transaction {transaction}) is waiting for the ledger to commit it; " +
                $"GET {Chain.TransactionsApi.StatusPath(transaction)} says when it has.";
        }
        return Missing.Message(thing, id, hint);
    }

    /// <summary>The ciphertexts of one sealed record, keyed by their SHA-256, as <see cref="SubmitAsync"/> takes them.</summary>
    public static Dictionary<Hash256, byte[]> Blobs(SealedRecordRef reference, byte[] ciphertext) => new() { [reference.CiphertextHash] = ciphertext };

    /// <summary>No ciphertexts (consent and other unsealed payloads).</summary>
    public static IReadOnlyDictionary<Hash256, byte[]> NoBlobs { get; } = new Dictionary<Hash256, byte[]>();

    /// <summary>
    /// Signs <paramref name="payload"/> as the actor, submits it and waits for its block. Door refusals and rejected
    /// transactions become outcomes: <paramref name="fieldFor"/> may turn a verdict into field errors; otherwise
    /// Unauthorized is Forbidden, NotFound is NotFound, Conflict is Conflict (naming the field the reason names), Busy (a full mempool) is Busy and the rest Failed. A commit slower than
    /// <see cref="NodeOptions.CommitTimeout"/> is Pending ("it may still commit", with the transaction's id).
    /// </summary>
    public async Task<Outcome<WriteResult>> SubmitAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs, string id,
        CancellationToken ct, Func<TxVerdict, FieldErrors?>? fieldFor = null) =>
        (await SubmitOnceAsync(actor, payload, blobs, id, ct, fieldFor)).Outcome;

    /// <summary>How many times <see cref="SubmitSealedAsync"/> seals and submits a record before it answers a category-key conflict.</summary>
    public const int MaxSealAttempts = 4;

    /// <summary>
    /// Like <see cref="SubmitAsync"/> for a payload carrying a record sealed under a patient's category key:
    /// <paramref name="seal"/> seals the record and makes the payload (it is called again for each attempt). When the ledger
    /// refuses the record because the category key moved on between sealing and ordering — a revocation, an expired grant or
    /// emergency, or another node's new epoch committed first (a 409 whose reason starts with <c>record:</c>, see
    /// <c>CategoryKeyRules</c>), or a new epoch it opened names a grantee whose grant ended meanwhile
    /// (<see cref="IsStaleCategoryKey"/>) — nothing was written, so the record is sealed again under the current key and resubmitted,
    /// at most <see cref="MaxSealAttempts"/> times in all; the last refusal is answered as <see cref="SubmitAsync"/> does.
    /// </summary>
    public async Task<Outcome<WriteResult>> SubmitSealedAsync(UserSession actor, Func<(TxPayload Payload, IReadOnlyDictionary<Hash256, byte[]> Blobs)> seal, string id,
        CancellationToken ct, Func<TxVerdict, FieldErrors?>? fieldFor = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (payload, blobs) = seal();
            var (outcome, refusal) = await SubmitOnceAsync(actor, payload, blobs, id, ct, fieldFor);
            if (attempt < MaxSealAttempts && refusal is { } r && IsStaleCategoryKey(r)) continue;
            return outcome;
        }
    }

    /// <summary>
    /// True for the state machine's refusals of a record sealed under a category key that is no longer the current one, and
    /// of a record opening a new epoch for a reader whose grant ended between sealing and ordering
    /// (<see cref="CategoryKeyRules.NotAReader"/>: the state machine calls that invalid, as it cannot tell a race from a
    /// made-up reader; sealing again from the current grants settles which).
    /// </summary>
    public static bool IsStaleCategoryKey(TxResult refusal) =>
        refusal.Reason.StartsWith("record: ", StringComparison.Ordinal)
        && (refusal.Verdict == TxVerdict.Conflict || refusal.Verdict == TxVerdict.InvalidField && refusal.Reason.Contains(CategoryKeyRules.NotAReader, StringComparison.Ordinal));

    /// <summary>How many times a write is signed and submitted before a <see cref="TxVerdict.BadNonce"/> refusal is answered.</summary>
    public const int MaxNonceAttempts = 3;

    // A refusal for its nonce wrote nothing, so the same payload is signed again with a fresh nonce. In a network of several
    // nodes a user's transactions reach another node's mempool by forwarding, and two forwarded batches may arrive out of
    // order: that node's door then refuses the lower nonce, and when it proposes, the higher one is ordered first and the
    // lower one is refused at commit (BadNonce) — the writer's own lane, so a fresh nonce settles it.
    private async Task<(Outcome<WriteResult> Outcome, TxResult? Refusal)> SubmitOnceAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs,
        string id, CancellationToken ct, Func<TxVerdict, FieldErrors?>? fieldFor)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, refusal) = await SignAndSubmitAsync(actor, payload, blobs, id, ct, fieldFor);
            if (attempt < MaxNonceAttempts && refusal is { Verdict: TxVerdict.BadNonce }) continue;
            return (outcome, refusal);
        }
    }

    /// <summary>
    /// Signs a write and hands it to the ledger without waiting for its block: the follow-up of a write the ledger took but did
    /// not commit in time (<see cref="OutcomeKind.Pending"/>), ordered after it in the signer's lane, so it commits with or
    /// after it (and is refused at commit, writing nothing, if that one was). Returns the transaction, or the door's refusal.
    /// </summary>
    public async Task<(Transaction? Transaction, TxResult? Refusal)> SubmitWithoutWaitingAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs,
        CancellationToken ct)
    {
        if (RepeatedRun(actor) is { } repeated) return (null, repeated);
        var (tx, submitted) = await SignAndAdmitAsync(actor, payload, blobs, ct);
        return submitted.Result.IsOk ? (tx, null) : (null, submitted.Result);
    }

    private async Task<(Transaction Transaction, SubmitResult Submitted)> SignAndAdmitAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs,
        CancellationToken ct)
    {
        // What the request read before this write is recorded first: a read refused because its disclosure could not be
        // stored writes nothing (before, a form that reads the record and then writes committed the write and answered the
        // refusal's 503 "try again", and a retry wrote it twice).
        await DisclosureRecorder.BeforeWriteAsync();
        await actor.SigningGate.WaitAsync(ct);
        try
        {
            var nonce = node.Nonces(actor.Keys.Signing.PublicKey, node.UserNonceLane).Next;
            // A request that may be sent again (Idempotency-Key) marks its transactions, so the ledger carries it out once.
            var tx = Transaction.Create(node.Network.NetworkId, actor.Keys.Signing, nonce, payload, RequestRun.Current?.Marker);
            var submitted = node.Submit(tx.Encoded.Span, blobs);
            if (submitted.Result.IsOk) RequestRun.NoteWrite();
            return (tx, submitted);
        }
        finally
        {
            actor.SigningGate.Release();
        }
    }

    // A request sent again (Idempotency-Key) that an earlier run carried out: refused before it signs, as the ledger would at
    // commit (the run then answers "Already carried out": IdempotencyKeys). Null outside such a run.
    private TxResult? RepeatedRun(UserSession actor) =>
        RequestRun.Current is { } run ? run.RefusalFor(run.Recorded(node.GetState, actor.Keys.Signing.PublicKey)) : null;

    private async Task<(Outcome<WriteResult> Outcome, TxResult? Refusal)> SignAndSubmitAsync(UserSession actor, TxPayload payload, IReadOnlyDictionary<Hash256, byte[]> blobs,
        string id, CancellationToken ct, Func<TxVerdict, FieldErrors?>? fieldFor)
    {
        if (RepeatedRun(actor) is { } repeated) return (Refused(repeated, fieldFor), repeated);
        var (tx, submitted) = await SignAndAdmitAsync(actor, payload, blobs, ct);
        if (!submitted.Result.IsOk) return (Refused(submitted.Result, fieldFor), submitted.Result);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.CommitTimeout);
        Storage.CommittedTransaction committed;
        try
        {
            committed = await node.WaitForCommitAsync(tx.Id, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (Outcome<WriteResult>.Pending($"The ledger took transaction {tx.Id} but did not commit it within {options.CommitTimeout.TotalSeconds:0} s; it may " +
                $"still commit: GET {Chain.TransactionsApi.StatusPath(tx.Id.ToString())} says whether it did; look there before sending the request again.", tx.Id.ToString(), id: id), null);
        }
        catch (NodeHaltedException e)
        {
            return (Outcome<WriteResult>.Stopped($"This node stopped before committing transaction {tx.Id} ({e.Reason}){node.StoppedWriteFate}"), null);
        }
        if (committed.Receipt.Verdict != TxVerdict.Ok)
        {
            var refusal = new TxResult(committed.Receipt.Verdict, committed.Receipt.Reason);
            RequestRun.Note(refusal); // an earlier run of this request carried it out: IdempotencyKeys answers so
            return (Refused(refusal, fieldFor), refusal);
        }
        return (Outcome<WriteResult>.Ok(new WriteResult(id, tx.Id.ToString(), committed.Height)), null);
    }

    /// <summary>
    /// Registers a user with a login (patients, doctors): makes their keys and a one-time password, lets
    /// <paramref name="build"/> seal their record and make the payload with the new keys, submits it, and forgets the login
    /// again when the ledger refuses it. The result carries the one-time password (shown once). <paramref name="taken"/> is
    /// the field error for an id or MRN the ledger finds already taken.
    /// </summary>
    /// <param name="actor">Who registers (an admin).</param>
    /// <param name="userId">The new user's id (their login name).</param>
    /// <param name="build">Seals the record and makes the payload with the new keys.</param>
    /// <param name="taken">The field error for an id or MRN the ledger finds already taken.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <param name="alsoHolds">
    /// Another unique value the registration claims (a patient's MRN, as "mrn:" + its blind index), held like the id from the
    /// start until the registration is settled: a second registration of it meanwhile is 409 with <paramref name="taken"/>,
    /// rather than a second transaction the ledger refuses once the first commits (its one-time password never working).
    /// </param>
    public Task<Outcome<WriteResult>> RegisterWithLoginAsync(UserSession actor, string userId, Func<UserKeys, (TxPayload Payload, SealedRecordRef Reference, byte[] Ciphertext)> build,
        FieldErrors taken, CancellationToken ct, string? alsoHolds = null) =>
        RegisterLoginAsync(actor, userId, keys =>
        {
            var (payload, reference, ciphertext) = build(keys);
            return (payload, Blobs(reference, ciphertext));
        }, taken, ct, alsoHolds);

    /// <summary>
    /// Registers a user with a login and no sealed record (auditors and staff: laboratory technicians, pathologists, pharmacists, accountants; a <c>RegisterUser</c> transaction), like
    /// the overload with a sealed record: keys and a one-time password made here, the login forgotten when the ledger refuses,
    /// published on the chain for the organisation's other nodes when it commits.
    /// </summary>
    public Task<Outcome<WriteResult>> RegisterWithLoginAsync(UserSession actor, string userId, Func<UserKeys, TxPayload> build, FieldErrors taken, CancellationToken ct) =>
        RegisterLoginAsync(actor, userId, keys => (build(keys), NoBlobs), taken, ct);

    private async Task<Outcome<WriteResult>> RegisterLoginAsync(UserSession actor, string userId, Func<UserKeys, (TxPayload Payload, IReadOnlyDictionary<Hash256, byte[]> Blobs)> build,
        FieldErrors taken, CancellationToken ct, string? alsoHolds = null)
    {
        if (!_registering.TryAdd(userId, new Registration(actor.OrganisationId)))
        {
            // The field's own message says the same as the detail (it said "This id is already taken.", which it was not yet).
            var idField = taken.ToDictionary().Keys.FirstOrDefault() ?? "id";
            return Outcome<WriteResult>.Conflict(FieldErrors.One(idField, $"A registration of '{userId}' is still waiting for the ledger."),
                $"A registration of '{userId}' is still waiting for the ledger{LookUp(userId, actor)}");
        }
        if (alsoHolds is not null && !_registering.TryAdd(alsoHolds, new Registration(actor.OrganisationId)))
        {
            _registering.TryRemove(userId, out _);
            var field = taken.ToDictionary().Keys.FirstOrDefault() ?? "id";
            var named = field == "mrn" ? "MRN" : field;
            return Outcome<WriteResult>.Conflict(FieldErrors.One(field, $"Another registration with this {named} is still waiting for the ledger."),
                $"Another registration with this {named} is still waiting for the ledger{LookUp(alsoHolds, actor)}");
        }
        var finishesLater = false;
        try
        {
            var (keys, oneTime) = accounts.PrepareLogin(userId);
            using (keys)
            {
                var (payload, blobs) = build(keys);
                var outcome = await SubmitAsync(actor, payload, blobs, userId, ct, v => v == TxVerdict.AlreadyExists ? taken : null);
                if (outcome.Kind == OutcomeKind.Pending && Hash256.TryParse(outcome.TransactionId, out var pending))
                {
                    // Taken but not committed in time: it may still commit, so the login is kept (forgetting it here left a
                    // registered user who could never sign in, nor be reset: no escrow) and finished when it does. The one-time
                    // password is answered now, as at 201: it is valid once the registration commits.
                    finishesLater = true;
                    _registering[userId] = new Registration(actor.OrganisationId, outcome.TransactionId);
                    if (alsoHolds is not null) _registering[alsoHolds] = new Registration(actor.OrganisationId, outcome.TransactionId);
                    FinishLoginLater(userId, pending, alsoHolds);
                    // (Each surface says what the login is then: the API's 202 and the page show the password, FHIR does not.)
                    return Outcome<WriteResult>.Pending(outcome.Message!, outcome.TransactionId!, oneTime, userId);
                }
                if (!outcome.IsOk)
                {
                    accounts.ForgetLogin(userId);
                    return outcome;
                }
                await accounts.PublishLoginAsync(userId, ct);
                return Outcome<WriteResult>.Ok(outcome.Value! with { OneTimePassword = oneTime });
            }
        }
        finally
        {
            if (!finishesLater)
            {
                _registering.TryRemove(userId, out _);
                if (alsoHolds is not null) _registering.TryRemove(alsoHolds, out _);
            }
        }
    }

    // A registration the ledger took but did not commit within the commit timeout: once it commits, its login is published for
    // the organisation's other nodes (or forgotten, when the ledger refused it); until the node stops.
    private void FinishLoginLater(string userId, Hash256 transaction, string? alsoHolds) => _ = Task.Run(async () =>
    {
        try
        {
            var committed = await node.WaitForCommitAsync(transaction, lifetime.ApplicationStopping);
            if (committed.Receipt.Verdict == TxVerdict.Ok) await accounts.PublishLoginAsync(userId, lifetime.ApplicationStopping);
            else accounts.ForgetLogin(userId);
        }
        catch (Exception e) when (e is OperationCanceledException or NodeHaltedException)
        {
            // the node stops: the login stays in the keystore; a registration that committed can be reset by an admin
        }
        catch (Exception e)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, e, "The login of {UserId}, registered in transaction {Transaction}, was not finished after its commit", userId, transaction);
        }
        finally
        {
            _registering.TryRemove(userId, out _);
            if (alsoHolds is not null) _registering.TryRemove(alsoHolds, out _);
        }
    });

    // The end of a "still waiting for the ledger" 409: the waiting registration's transaction and where its status is, when the
    // ledger took it (for the registering organisation's users), else what to do.
    private string LookUp(string held, UserSession actor) => WaitingTransaction(held, actor) is { } transaction
        ? $" (transaction {transaction}): GET {Chain.TransactionsApi.StatusPath(transaction)} says when it has committed; try again then."
        : "; try again once it has committed.";

    // The transaction of the registration holding held (a user id or a unique value) that the ledger took without committing it
    // yet, when the actor is of the registering organisation; else null.
    private string? WaitingTransaction(string held, UserSession actor) =>
        _registering.TryGetValue(held, out var pending) && pending.OrganisationId == actor.OrganisationId ? pending.Transaction : null;

    /// <summary>The field a state machine's conflict names (reasons read "field: …"), for a 409 with field errors.</summary>
    private static FieldErrors ConflictFields(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && reason[..colon].All(char.IsAsciiLetter)
            ? FieldErrors.One(reason[..colon], reason[(colon + 1)..].Trim())
            : new FieldErrors();
    }

    // Core's words (in receipts, so fixed) for a new version that lost a race with another one made from the same version: two
    // writes both made "version 2", the second refused with "version 2 does not follow the current version 2".
    [System.Text.RegularExpressions.GeneratedRegex(@"^version (?<given>\d+) does not follow the current version (?<current>\d+)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex VersionRace();

    /// <summary>A refusal at commit as an outcome (see <see cref="SubmitAsync"/>); internal for its tests.</summary>
    internal static Outcome<WriteResult> Refused(TxResult result, Func<TxVerdict, FieldErrors?>? fieldFor)
    {
        if (fieldFor?.Invoke(result.Verdict) is { } errors) return Outcome<WriteResult>.Invalid(errors);
        return result.Verdict switch
        {
            TxVerdict.Unauthorized => Outcome<WriteResult>.Forbidden($"The ledger refused: {result.Reason}."),
            TxVerdict.NotFound => Outcome<WriteResult>.NotFound($"The ledger refused: {result.Reason}."),
            TxVerdict.Conflict when VersionRace().Match(result.Reason) is { Success: true } race => Outcome<WriteResult>.Conflict(
                FieldErrors.One("version", $"Changed meanwhile: it is at version {race.Groups["current"].Value} now."),
                $"Someone else changed this record at the same moment (it is at version {race.Groups["current"].Value} now), so this change was not " +
                "saved. Reload it, check their change and make yours again."),
            TxVerdict.Conflict => Outcome<WriteResult>.Conflict(ConflictFields(result.Reason), $"The ledger refused: {result.Reason}."),
            TxVerdict.RepeatedRequest => Outcome<WriteResult>.Conflict(new FieldErrors(),
                $"This request was already carried out, by transaction {RequestRun.CarrierIn(result)}: nothing was written again."),
            TxVerdict.Busy => Outcome<WriteResult>.Busy("The node is busy with other work: nothing was saved. Try again in a moment."),
            _ => Outcome<WriteResult>.Failed($"The ledger refused the change ({result.Verdict}): {result.Reason}."),
        };
    }
}
