using HealthLedger.Node.Laboratory;

namespace HealthLedger.Node.Pages.Lab;

/// <summary>
/// The catalogue page's form for one test: the <see cref="LabTest"/> fields as entered (blank numbers count as 0 and are
/// then refused by the catalogue's rules where 0 is not allowed) and <see cref="CatalogueModel.RangeRows"/>
/// reference range rows, of which those with a low or high limit are used.
/// </summary>
public sealed class LabTestForm
{
    /// <summary>The code of the test being edited; empty when adding one.</summary>
    public string? OriginalCode { get; set; }

    public string? Code { get; set; }

    public string? Loinc { get; set; }

    public string? Name { get; set; }

    public string? SpecimenType { get; set; }

    public string? Unit { get; set; }

    public decimal? PossibleLow { get; set; }

    public decimal? PossibleHigh { get; set; }

    public decimal? Price { get; set; }

    public int? TurnaroundHours { get; set; }

    public List<LabRangeForm> Ranges { get; set; } = [];

    /// <summary>An empty form (a new test).</summary>
    public static LabTestForm Blank() => new() { Ranges = [.. Enumerable.Range(0, CatalogueModel.RangeRows).Select(_ => new LabRangeForm())] };

    /// <summary>The form of an existing test.</summary>
    public static LabTestForm From(LabTest t) => new()
    {
        OriginalCode = t.Code,
        Code = t.Code,
        Loinc = t.Loinc,
        Name = t.Name,
        SpecimenType = t.SpecimenType,
        Unit = t.Unit,
        PossibleLow = t.PossibleLow,
        PossibleHigh = t.PossibleHigh,
        Price = t.Price,
        TurnaroundHours = t.TurnaroundHours,
        Ranges = [.. t.ReferenceRanges.Select(r => new LabRangeForm
        {
            Sex = r.Sex, MinAgeYears = r.MinAgeYears, MaxAgeYears = r.MaxAgeYears, Low = r.Low, High = r.High, CriticalLow = r.CriticalLow, CriticalHigh = r.CriticalHigh,
        }), .. Enumerable.Range(0, Math.Max(1, CatalogueModel.RangeRows - t.ReferenceRanges.Count)).Select(_ => new LabRangeForm())],
    };

    /// <summary>The test as entered, and for each of its reference ranges the form row it came from.</summary>
    public (LabTest Test, IReadOnlyList<int> Rows) ToTest()
    {
        var rows = new List<int>();
        var ranges = new List<ReferenceRange>();
        for (var i = 0; i < Ranges.Count; i++)
        {
            var r = Ranges[i];
            if (r.Low is null && r.High is null) continue;
            rows.Add(i);
            ranges.Add(new ReferenceRange
            {
                Sex = (r.Sex ?? "").Trim().ToLowerInvariant(),
                MinAgeYears = r.MinAgeYears,
                MaxAgeYears = r.MaxAgeYears,
                Low = r.Low ?? 0,
                High = r.High ?? 0,
                CriticalLow = r.CriticalLow,
                CriticalHigh = r.CriticalHigh,
            });
        }
        return (new LabTest
        {
            Code = Code ?? "",
            Loinc = Loinc ?? "",
            Name = Name ?? "",
            SpecimenType = SpecimenType ?? "",
            Unit = Unit ?? "",
            ReferenceRanges = ranges,
            PossibleLow = PossibleLow ?? 0,
            PossibleHigh = PossibleHigh ?? 0,
            Price = Price ?? 0,
            TurnaroundHours = TurnaroundHours ?? 0,
        }, rows);
    }
}

/// <summary>One reference range row of <see cref="LabTestForm"/>.</summary>
public sealed class LabRangeForm
{
    /// <summary><c>female</c>, <c>male</c> or empty (any).</summary>
    public string? Sex { get; set; }

    public int? MinAgeYears { get; set; }

    public int? MaxAgeYears { get; set; }

    public decimal? Low { get; set; }

    public decimal? High { get; set; }

    public decimal? CriticalLow { get; set; }

    public decimal? CriticalHigh { get; set; }
}
