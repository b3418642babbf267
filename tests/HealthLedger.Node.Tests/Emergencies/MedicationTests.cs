using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Records;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Pharmacy;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Emergencies;

/// <summary>
/// The emergency summary's current medication from the pharmacy's structured prescriptions (consent category medication):
/// which prescriptions count as current, and the helper the break-glass network tests (rescuer and cross-organisation doctor)
/// use to write one.
/// </summary>
public sealed class MedicationTests
{
    /// <summary>The summary line of the prescription <see cref="PrescribeFromFormularyAsync"/> writes.</summary>
    public const string Prednisolone = "Prednisolone 5 mg tablet: 40 mg oral once a day, 5 days";

    private const ulong Day = 86_400_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The custodian's admin adds Prednisolone 5 mg tablets to its formulary; the attending doctor prescribes 5 days of 40 mg.</summary>
    internal static async Task PrescribeFromFormularyAsync(HttpClient admin, HttpClient doctor, string patientId)
    {
        var drug = await Read<DrugResponse>(await admin.PostAsJsonAsync("/api/v1/pharmacy/drugs",
            new { name = "Prednisolone", strength = "5 mg", form = "tablet", atcCode = "H02AB06", unitPrice = 0.05m, reorderLevel = 0 }, Ct));
        using var prescribed = await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/prescriptions",
            new { drugId = drug.Id, dose = "40 mg", route = "oral", frequency = "once a day", durationDays = 5, quantity = 40 }, Ct);
        Assert.True(prescribed.IsSuccessStatusCode, await prescribed.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(5, 0, 5 * Day, true)] // the last day of the course
    [InlineData(5, 0, 5 * Day + 1, false)] // the course has run out
    [InlineData(5, 2, 15 * Day, true)] // each repeat is another course
    [InlineData(5, 2, 15 * Day + 1, false)]
    [InlineData(0, 0, Day, true)] // no duration given: counted as one day
    [InlineData(0, 0, Day + 1, false)]
    public void A_prescription_is_current_medication_until_its_courses_have_run_out(int durationDays, int repeats, ulong sinceWritten, bool current)
    {
        const ulong written = 1_800_000_000_000;
        var record = new SealedRecordRef(Hashing.Sha256("x"u8), 1, []);
        var prescription = new PrescriptionState("rx-1", "p-1", "dr-1", "general-hospital", "drug-1", 10, repeats, record, new RecordProof(Hashing.Sha256("tx"u8), 7, written));
        Assert.Equal(current, BreakGlassService.IsCurrent(prescription, new PrescriptionDetails { DurationDays = durationDays }, written + sinceWritten));
    }
}
