using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Laboratory;

/// <summary>
/// The patient's organisation bills the patient for the tests it sent to another member organisation's laboratory, as a
/// hospital does with a reference laboratory. At start and after each committed block, for every lab order of one of this
/// node's organisation's patients whose laboratory is another organisation's, that has been validated and carries no
/// charge on the chain, it commits a node-signed <see cref="PostLabChargePayload"/>: an account entry (type charge, id
/// <c>en-&lt;order id&gt;</c>, sealed under the patient's <c>account</c> category key, which the laboratory does not hold)
/// of one line — "Full blood count — City Lab (order lo-…)", quantity 1, unit price the sum of the first validation's
/// priced lines (<see cref="LabStepContent.Charges"/>, what the laboratory charged; the node reads them as the patient's
/// custodian). Every node of the organisation does it; the chain accepts one charge per order (the others are refused with
/// Conflict and logged), and since it scans the committed orders it catches up after a restart. A validation written
/// before the priced lines existed is not charged (logged once).
/// </summary>
public sealed partial class LabChargePoster(LedgerNode node, LabOrderStore orders, CategoryKeyring keyring, OrganisationKeys organisation, TimeProvider clock,
    ILogger<LabChargePoster> logger) : BlockSweeper(node, clock)
{
    private readonly HashSet<string> _unpriced = new(StringComparer.Ordinal);

    /// <summary>Charges this node committed since it started (tests, diagnostics).</summary>
    public int Posted { get; private set; }

    /// <summary>The charge entry id of <paramref name="orderId"/>'s cross-organisation charge: fixed, so every node of the organisation writes the same one.</summary>
    public static string EntryId(string orderId) => $"en-{orderId}";

    /// <inheritdoc/>
    protected override void SweepFailed(Exception error) => PostFailed(logger, error);

    /// <summary>
    /// The orders to charge now with their account line: of this organisation's patients, of another organisation's
    /// laboratory, validated, with no charge in the committed state (the read model may lag it) and with priced lines.
    /// </summary>
    public IReadOnlyList<(LabOrderView Order, EntryDetails Charge)> Due()
    {
        var due = new List<(LabOrderView, EntryDetails)>();
        foreach (var order in orders.AwaitingCharge().Where(o => o.LabOrganisationId != organisation.Id).OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            if (Node.GetState(StateKeys.Patient(order.PatientId)) is not { } p || PatientState.TryDecode(p)?.OrganisationId != organisation.Id) continue;
            if (Node.GetState(LabOrderState.Key(order.Id)) is not { } o || LabOrderState.TryDecode(o) is not { ChargeEntryId.Length: 0 }) continue;
            var validation = order.Steps.First(s => s.Step == LabOrderStatus.Validated);
            if (validation.Content.Charges.Count == 0)
            {
                if (_unpriced.Add(order.Id)) Unpriced(logger, order.Id, order.LabOrganisationId);
                continue;
            }
            var laboratory = OrganisationNames.Of(Node, order.LabOrganisationId);
            due.Add((order, new EntryDetails
            {
                OccurredAt = DateTimeOffset.FromUnixTimeMilliseconds((long)validation.Proof.Timestamp),
                Service = $"{string.Join(", ", validation.Content.Charges.Select(c => c.Name))} — {laboratory} (order {order.Id})",
                Quantity = 1,
                UnitPrice = validation.Content.Charges.Sum(c => c.Price),
            }));
        }
        return due;
    }

    /// <summary>Posts whatever charge is due now, one transaction per order, each awaited (so this node never sends one twice).</summary>
    public override async Task SweepAsync(CancellationToken ct)
    {
        foreach (var (order, details) in Due())
        {
            var entryId = EntryId(order.Id);
            var (reference, ciphertext) = keyring.Seal(order.PatientId, ConsentCategories.Account, entryId, 1, details);
            var committed = await Node.SubmitAsNodeAsync(new PostLabChargePayload(order.Id, entryId, reference), RecordWriter.Blobs(reference, ciphertext), ct);
            if (committed.Receipt.Verdict != TxVerdict.Ok)
            {
                // Another node of the organisation (or an admin) charged it first, or the state moved on: the next sweep re-reads it.
                ChargeRefused(logger, order.Id, committed.Receipt.Reason);
                continue;
            }
            Posted++;
            ChargePosted(logger, order.Id, order.LabOrganisationId, entryId);
        }
    }


    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Charged lab order {Order} of laboratory {Laboratory} to the patient's account (entry {Entry})")]
    private static partial void ChargePosted(ILogger logger, string order, string laboratory, string entry);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Information, Message = "The ledger refused the charge of lab order {Order}: {Reason}")]
    private static partial void ChargeRefused(ILogger logger, string order, string reason);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Warning, Message = "Lab order {Order} of laboratory {Laboratory} was validated without priced lines; it is not charged")]
    private static partial void Unpriced(ILogger logger, string order, string laboratory);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Warning, Message = "Posting lab charges failed; retrying in 5 s")]
    private static partial void PostFailed(ILogger logger, Exception exception);
}
