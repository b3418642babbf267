using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Security;

namespace HealthLedger.Cli.Seeding;

/// <summary>
/// A small formulary with stock, written through the real path as the admin (who keeps the pharmacy with its pharmacists):
/// common drugs with their WHO ATC codes, prices and reorder levels, and two batches each from a supplier — one expiring
/// sooner than the other, so first-expiry-first-out is visible at once. Two drugs show the pharmacy's alerts: Amoxicillin's
/// first batch expires in <see cref="NearExpiryDays"/> days (a near-expiry alert), and Morphine sulfate's two batches hold
/// exactly its reorder level (a low-stock alert).
/// </summary>
public sealed class FormularySeeder(PharmacyService pharmacy, UserSession admin)
{
    /// <summary>Days until the near-expiry batch (Amoxicillin's first) expires: inside <see cref="PharmacyService.NearExpiryDays"/>.</summary>
    public const int NearExpiryDays = 21;

    private static readonly (string Name, string Strength, string Form, string Atc, decimal Price, int Reorder)[] Drugs =
    [
        ("Amoxicillin", "500 mg", "capsule", "J01CA04", 0.45m, 60),
        ("Co-amoxiclav", "625 mg", "tablet", "J01CR02", 0.90m, 40),
        ("Clarithromycin", "500 mg", "tablet", "J01FA09", 1.20m, 30),
        ("Paracetamol", "500 mg", "tablet", "N02BE01", 0.05m, 200),
        ("Ibuprofen", "400 mg", "tablet", "M01AE01", 0.08m, 100),
        ("Morphine sulfate", "10 mg/5 ml", "oral-solution", "N02AA01", 2.40m, 10),
        ("Metformin", "500 mg", "tablet", "A10BA02", 0.06m, 120),
        ("Atorvastatin", "20 mg", "tablet", "C10AA05", 0.10m, 90),
        ("Ramipril", "5 mg", "capsule", "C09AA05", 0.09m, 60),
        ("Salbutamol", "100 micrograms/dose", "inhaler", "R03AC02", 3.10m, 15),
    ];

    /// <summary>What was written: the drugs' ids by name (the formulary's, when it was there before), the batches, how many writes failed, why nothing was written.</summary>
    public sealed record Result(IReadOnlyDictionary<string, string> DrugIds, int Batches, int Failures, string? Skipped = null)
    {
        /// <summary>Drugs written.</summary>
        public int Drugs => DrugIds.Count;
    }

    /// <summary>Adds the drugs and their batches; writes nothing when the organisation's formulary has drugs already.</summary>
    public async Task<Result> RunAsync(CancellationToken ct)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pharmacy.Stock(admin) is { IsOk: true, Value: { Count: > 0 } existing })
        {
            foreach (var level in existing) ids.TryAdd(level.Drug.Details.Name, level.Drug.Id);
            return new Result(ids, 0, 0, $"the formulary has {existing.Count} drugs already");
        }
        int batches = 0, failures = 0;
        var today = DateTime.UtcNow.Date;
        foreach (var (d, i) in Drugs.Select((d, i) => (d, i)))
        {
            var added = await pharmacy.AddDrugAsync(admin, new DrugInput { Name = d.Name, Strength = d.Strength, Form = d.Form, AtcCode = d.Atc, UnitPrice = d.Price, ReorderLevel = d.Reorder }, ct);
            if (!added.IsOk)
            {
                failures++;
                continue;
            }
            ids[d.Name] = added.Value!.Drug.Id;
            (DateTime Expires, int Units)[] received = d.Name switch
            {
                "Amoxicillin" => [(today.AddDays(NearExpiryDays), d.Reorder), (today.AddMonths(18), d.Reorder * 3)],
                "Morphine sulfate" => [(today.AddMonths(6), d.Reorder / 2), (today.AddMonths(18), d.Reorder - d.Reorder / 2)], // at the reorder level
                _ => [(today.AddMonths(4 + i % 3), d.Reorder), (today.AddMonths(18), d.Reorder * 3)],
            };
            foreach (var (expires, units) in received)
            {
                var receipt = await pharmacy.ReceiveAsync(admin, added.Value!.Drug.Id, new ReceiptInput
                {
                    Quantity = units,
                    ExpiresOn = expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    Supplier = i % 2 == 0 ? "MedSupply Ltd" : "PharmaDirect",
                    LotNumber = $"{d.Atc}-{expires:yyMMdd}-{i:D2}",
                    UnitCost = decimal.Round(d.Price * 0.6m, 2),
                    Reference = $"DN-{today:yyyyMMdd}-{i + 1:D2}",
                }, ct);
                if (receipt.IsOk) batches++;
                else failures++;
            }
        }
        return new Result(ids, batches, failures);
    }
}
