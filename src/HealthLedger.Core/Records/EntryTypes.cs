namespace HealthLedger.Core.Records;

/// <summary>What an <see cref="EntryType"/> belongs to: the hospital account or the encounters.</summary>
public static class EntryTypes
{
    /// <summary>True for charges and payments (lines of the hospital account); false for encounters.</summary>
    public static bool IsAccountLine(this EntryType type) => type is EntryType.Charge or EntryType.Payment;

    /// <summary>The consent category that covers entries of this type: <see cref="ConsentCategories.Account"/> or <see cref="ConsentCategories.Encounters"/>.</summary>
    public static ConsentCategories ConsentCategory(this EntryType type) => type.IsAccountLine() ? ConsentCategories.Account : ConsentCategories.Encounters;
}
