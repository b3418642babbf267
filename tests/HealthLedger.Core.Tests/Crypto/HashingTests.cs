using System.Security.Cryptography;
using HealthLedger.Core.Crypto;

namespace HealthLedger.Core.Tests.Crypto;

/// <summary><see cref="Hashing"/>: the domain-prefixed SHA-256 is SHA-256 of the prefix byte then the data, whatever the size.</summary>
public class HashingTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(100_000)]
    public void A_prefixed_hash_is_the_hash_of_the_prefix_then_the_data(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++) data[i] = (byte)(i * 31 + 7);

        var expected = SHA256.HashData([0x01, .. data]);

        Assert.Equal(Convert.ToHexStringLower(expected), Hashing.Sha256(0x01, data).ToString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Hashing.Sha256(data).ToString());
    }

    [Fact]
    public void On_Linux_the_hashes_go_through_libcryptos_own_SHA256_functions_and_agree_with_dotnets_on_every_length()
    {
        // The fast path is the one tested here, not silently the fallback: Debian and Ubuntu ship libcrypto.so.3 (.NET needs it).
        if (OperatingSystem.IsLinux()) Assert.True(LibcryptoSha256.Available);
        var data = new byte[40_000];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(i * 131 + 17);
        Span<byte> digest = stackalloc byte[32];
        for (var length = 0; length <= data.Length; length += length < 300 ? 1 : 997)
        {
            var slice = data.AsSpan(0, length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(slice)), Hashing.Sha256(slice).ToString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x00, .. slice])), Hashing.Sha256(0x00, slice).ToString());
            if (!LibcryptoSha256.Available) continue;
            LibcryptoSha256.Hash(data.AsSpan(length / 2, 3), slice, digest);
            Assert.Equal(SHA256.HashData([.. data.AsSpan(length / 2, 3), .. slice]), digest.ToArray());
        }
    }

    [Fact]
    public void The_prefixed_hash_of_a_known_input_is_its_published_digest()
    {
        // SHA-256("abc") (FIPS 180-2, appendix B.1) as prefix 'a' followed by "bc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hashing.Sha256((byte)'a', "bc"u8).ToString());
    }
}
