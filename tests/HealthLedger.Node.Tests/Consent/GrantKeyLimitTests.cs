using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Consent;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>
/// A grant whose keys do not fit one transaction is refused with a field error, never sent with keys left out (it took the
/// first <see cref="GrantAccessPayload.MaxKeys"/> and <see cref="GrantAccessPayload.MaxCategoryKeys"/> and dropped the rest
/// silently: the grantee was granted records it could not open).
/// </summary>
public class GrantKeyLimitTests
{
    private static readonly Envelope Wrapped = new(new EncryptionPublicKey(new byte[32]), new EncryptionPublicKey(new byte[32]), new byte[48]);

    [Theory]
    [InlineData(GrantAccessPayload.MaxKeys, GrantAccessPayload.MaxCategoryKeys, false)]
    [InlineData(GrantAccessPayload.MaxKeys + 1, 0, true)]
    [InlineData(0, GrantAccessPayload.MaxCategoryKeys + 1, true)]
    public void Keys_over_what_one_grant_carries_are_refused_not_cut(int recordKeys, int categoryKeys, bool refused)
    {
        var keys = Enumerable.Range(0, recordKeys).Select(i => new GrantedKey($"rec-{i}", 1, Wrapped)).ToList();
        var epochs = Enumerable.Range(1, categoryKeys).Select(e => new GrantedCategoryKey(ConsentCategories.Encounters, e, Wrapped)).ToList();
        var why = ConsentService.TooManyKeys(keys, epochs);
        Assert.Equal(refused, why is not null);
        if (why is not null)
        {
            Assert.Contains($"{recordKeys + categoryKeys} keys", why, StringComparison.Ordinal);
            Assert.Contains("Nothing was granted", why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_grant_the_ledger_refuses_as_too_large_is_a_field_error_and_other_refusals_are_not()
    {
        var errors = ConsentService.GrantTooLarge("categories")(TxVerdict.TooLarge);
        Assert.NotNull(errors);
        Assert.Equal(["categories"], errors.ToDictionary().Keys);
        Assert.Null(ConsentService.GrantTooLarge("categories")(TxVerdict.Conflict));
    }
}
