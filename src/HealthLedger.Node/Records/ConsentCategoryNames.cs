using HealthLedger.Core.Records;

namespace HealthLedger.Node.Records;

/// <summary>The names the API and the UI give consent categories (demographics, encounters, account, reports, laboratory, medication).</summary>
public static class ConsentCategoryNames
{
    /// <summary>The names of the single categories in <paramref name="categories"/>, in a fixed order.</summary>
    public static IReadOnlyList<string> Of(ConsentCategories categories) =>
        Enum.GetValues<ConsentCategories>().Where(c => c is not (ConsentCategories.None or ConsentCategories.All) && (categories & c) == c)
            .Select(c => c.ToString().ToLowerInvariant()).ToList();
}
