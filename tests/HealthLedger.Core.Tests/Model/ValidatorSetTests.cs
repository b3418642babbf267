using HealthLedger.Core.Model;

namespace HealthLedger.Core.Tests.Model;

public class ValidatorSetTests
{
    // Computed here from n alone, not from the code under test: f is the largest number with n ≥ 3f + 1.
    private static int Faults(int n) => Enumerable.Range(0, n).Last(f => n >= 3 * f + 1);

    [Fact]
    public void Any_two_quorums_share_more_than_f_validators_and_the_honest_ones_are_a_quorum_for_every_n()
    {
        for (var n = 1; n <= ValidatorSet.MaxNodes; n++)
        {
            var f = Faults(n);
            var q = ValidatorSet.Quorum(n);
            Assert.Equal(f, ValidatorSet.FaultsTolerated(n));
            Assert.True(q <= n, $"n={n}: quorum {q} exceeds the validators");
            Assert.True(2 * q - n >= f + 1, $"n={n}, f={f}: two quorums of {q} share only {2 * q - n} validators, which may all be Byzantine");
            Assert.True(n - f >= q, $"n={n}, f={f}: the {n - f} honest validators are no quorum of {q}");
        }
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 2, 0)]
    [InlineData(3, 3, 0)]
    [InlineData(4, 3, 1)]
    [InlineData(5, 4, 1)]
    [InlineData(6, 5, 1)]
    [InlineData(7, 5, 2)]
    [InlineData(8, 6, 2)]
    [InlineData(9, 7, 2)]
    [InlineData(10, 7, 3)]
    [InlineData(100, 67, 33)]
    public void Quorum_and_faults_for_small_networks(int n, int quorum, int faults)
    {
        Assert.Equal(quorum, ValidatorSet.Quorum(n));
        Assert.Equal(faults, ValidatorSet.FaultsTolerated(n));
    }
}
