namespace HealthLedger.Node.Encounters;

/// <summary>
/// The content of an entry (PHI, only ever stored encrypted). Which fields apply depends on the entry type. Laid out for the
/// read model, which keeps a summary of every entry (when, ward and bed, the amounts: 2 million at 100,000 patients): the free
/// texts are held together apart (nothing when all are empty), and the optional amounts without <see cref="Nullable{T}"/>'s
/// padding (96 bytes a summary, not 160). The properties, and so the sealed JSON and equality, are those of plain fields,
/// except that a text given as null reads as empty.
/// </summary>
public sealed record EntryDetails
{
    // The free texts, held only when one is set; copied on write (an init after `with` must not change the original's).
    private sealed record Texts(string Reason = "", string Notes = "", string Diagnosis = "", string Summary = "", string Service = "", string Method = "");

    private static readonly Texts NoTexts = new();

    // Texts that are all empty are not held (so that equality does not depend on whether empty texts were set).
    private static Texts? Kept(Texts texts) => texts == NoTexts ? null : texts;
    private Texts? _texts;
    private decimal _unitPrice;
    private decimal _amount;
    private int _quantity;
    private Set _set; // which of the optional amounts are set

    [Flags]
    private enum Set : byte
    {
        Quantity = 1,
        UnitPrice = 2,
        Amount = 4,
    }

    /// <summary>When it happened (UTC; records written before times carried an offset read as UTC).</summary>
    public DateTimeOffset OccurredAt { get; init; }
    public string Ward { get; init; } = "";
    public string Bed { get; init; } = "";
    public string Reason { get => _texts?.Reason ?? ""; init => _texts = Kept((_texts ?? NoTexts) with { Reason = value ?? "" }); }
    public string Notes { get => _texts?.Notes ?? ""; init => _texts = Kept((_texts ?? NoTexts) with { Notes = value ?? "" }); }
    public string Diagnosis { get => _texts?.Diagnosis ?? ""; init => _texts = Kept((_texts ?? NoTexts) with { Diagnosis = value ?? "" }); }
    public string Summary { get => _texts?.Summary ?? ""; init => _texts = Kept((_texts ?? NoTexts) with { Summary = value ?? "" }); }
    public string Service { get => _texts?.Service ?? ""; init => _texts = Kept((_texts ?? NoTexts) with { Service = value ?? "" }); }
    public int? Quantity { get => _set.HasFlag(Set.Quantity) ? _quantity : null; init => (_quantity, _set) = (value ?? 0, value is null ? _set & ~Set.Quantity : _set | Set.Quantity); }
    public decimal? UnitPrice { get => _set.HasFlag(Set.UnitPrice) ? _unitPrice : null; init => (_unitPrice, _set) = (value ?? 0m, value is null ? _set & ~Set.UnitPrice : _set | Set.UnitPrice); }
    public decimal? Amount { get => _set.HasFlag(Set.Amount) ? _amount : null; init => (_amount, _set) = (value ?? 0m, value is null ? _set & ~Set.Amount : _set | Set.Amount); }
    public string Method { get => _texts?.Method ?? ""; init => _texts = Kept((_texts ?? NoTexts) with { Method = value ?? "" }); }
    /// <summary>A payment recorded as a deposit: it may exceed the balance due and leaves a credit.</summary>
    public bool Deposit { get; init; }

    /// <summary>The signed effect on the account: charges add, payments subtract, encounters are 0.</summary>
    public decimal AccountEffect(Core.Records.EntryType type) => type switch
    {
        Core.Records.EntryType.Charge => (Quantity ?? 0) * (UnitPrice ?? 0m),
        Core.Records.EntryType.Payment => -(Amount ?? 0m),
        _ => 0m,
    };
}
