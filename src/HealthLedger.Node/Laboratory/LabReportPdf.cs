using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Printouts;

namespace HealthLedger.Node.Laboratory;

/// <summary>
/// The printable report of a validated lab order (<see cref="PrintoutWriter"/>, like medical report printouts): the
/// custodian's letterhead (name and contact details, <see cref="Letterhead"/>); the patient (name, MRN, date of birth, gender
/// when the reader sees the demographics, else the id);
/// the laboratory, ordering doctor, priority and specimen id; the chain times of ordering, collection, receipt, results and
/// validation (in the hospital's time zone and culture); who ordered, collected, received, entered the results and validated
/// them, by name as the reader may see it (<see cref="PrintoutStyle"/>: doctors by name, laboratory staff by role and id);
/// every test with its value, unit, reference range and flag (H/L out of range, HH/LL critical; a flagged line starts with its marker, <c>[H]</c>, <c>[L]</c>, <c>[!! HH]</c>, and is
/// bold and coloured, <see cref="PrintoutWriter.Flagged"/>); the pathologist's comment; "Amended report" with the reason when
/// the order was re-validated; the signature block (signed electronically by the validating pathologist at the validation's
/// block time, with its transaction); and the verification code <c>HL-&lt;order&gt;-v&lt;validation step&gt;-&lt;tx prefix&gt;</c>. Deterministic
/// for a given version and reader's view, so its SHA-256 can be recorded on the chain.
/// </summary>
public static class LabReportPdf
{
    /// <summary>The verification code of the order's validation step <paramref name="validation"/>.</summary>
    public static string VerificationCode(string orderId, LabStepView validation) => $"HL-{orderId}-v{validation.Version}-{validation.Proof.TxId.ToString()[..10]}";

    /// <summary>
    /// Renders the report validated at <paramref name="validation"/> (its results are the latest results step before it).
    /// <paramref name="patient"/> is null when the reader sees no demographics (a laboratory of another organisation); times and
    /// people are shown in <paramref name="style"/>.
    /// </summary>
    public static byte[] Render(LabOrderView order, LabStepView validation, string patientId, PatientView? patient, Letterhead letterhead, PrintoutStyle style,
        string laboratoryName, string verifyUrl)
    {
        var steps = order.Steps.Take(validation.Version).ToList();
        var results = steps.Last(s => s.Step == LabOrderStatus.Resulted);
        var amended = steps.Count(s => s.Step == LabOrderStatus.Validated) > 1;
        var code = VerificationCode(order.Id, validation);
        var validatedAt = Time(validation);
        var pdf = new PrintoutWriter(letterhead, style, $"Laboratory report {order.Id} v{validation.Version}",
            $"HealthLedger laboratory report {order.Id} version {validation.Version}, verification code {code}", validation.Proof.TxId, validatedAt);
        pdf.Line(amended ? "Laboratory report (amended)" : "Laboratory report", pdf.Title, 8);
        pdf.Line(patient is not null ? pdf.PatientLine(patient) : $"Patient: {patientId} (demographics not shared with the reader)", pdf.Body);
        pdf.Line($"Laboratory: {laboratoryName} ({order.LabOrganisationId})   Order: {order.Id}   Specimen: {order.SpecimenId}   Priority: {order.Order.Priority}", pdf.Body);
        string Stamp(LabStepView step) => $"{style.Time(Time(step))} (block {step.Proof.Height})";
        pdf.Line($"Ordered by: {style.Person(order.DoctorId)}", pdf.Body, 8);
        pdf.Line($"Ordered {Stamp(order.Steps[0])}", pdf.Body, 1);
        if (steps.LastOrDefault(s => s.Step == LabOrderStatus.Collected) is { } collected) pdf.Line($"Collected {Stamp(collected)} by {style.Person(collected.AuthorId)}", pdf.Body, 1);
        if (steps.LastOrDefault(s => s.Step == LabOrderStatus.Received) is { } received) pdf.Line($"Received {Stamp(received)} by {style.Person(received.AuthorId)}", pdf.Body, 1);
        pdf.Line($"Results entered {Stamp(results)} by {style.Person(results.AuthorId)}", pdf.Body, 1);
        pdf.Line($"Validated {Stamp(validation)} by {style.Person(validation.AuthorId)}", pdf.Body, 10);
        if (amended)
        {
            pdf.Line($"Amended report: this version replaces the report validated earlier. Reason: {results.Content.AmendmentReason}", pdf.Heading, 8);
        }

        pdf.Line("Results", pdf.Heading);
        foreach (var line in validation.Content.Report)
        {
            var value = line.Value.ToString(CultureInfo.InvariantCulture);
            var range = line.ReferenceRange.Length > 0 ? $"reference {line.ReferenceRange}" : "no reference range";
            var flag = line.Flag.Length > 0 ? $"   flag {line.Flag}{(line.Critical ? " (critical)" : "")}" : "";
            pdf.Flagged($"{line.Name} ({line.Code}{(line.Loinc.Length > 0 ? ", LOINC " + line.Loinc : "")}): {value} {line.Unit}   ({range}){flag}", line.Flag, line.Critical);
        }
        pdf.Gap(4).Line("Flags: [H] H above, [L] L below the reference range; [!!] HH, LL critical.", pdf.Small, 8);
        if (results.Content.Notes.Length > 0) pdf.Line($"Laboratory notes: {results.Content.Notes}", pdf.Body, 4);
        if (validation.Content.Notes.Length > 0) pdf.Line($"Pathologist's comment: {validation.Content.Notes}", pdf.Body, 4);
        pdf.Signature(style.Person(validation.AuthorId), validatedAt, $"ledger signature: transaction {validation.Proof.TxId} in block {validation.Proof.Height}", code);
        return pdf.Finish(code, verifyUrl, $"Transaction {validation.Proof.TxId}", $"Validation recorded in block {validation.Proof.Height} at {style.BlockTime(validatedAt)}");
    }

    private static DateTimeOffset Time(LabStepView step) => DateTimeOffset.FromUnixTimeMilliseconds((long)step.Proof.Timestamp);
}
