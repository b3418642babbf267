using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Chain;

namespace HealthLedger.Cli.Tests;

/// <summary>Looks up a signer's nonce the way <c>healthledger load</c> does: proving the key, with no session.</summary>
internal static class Signers
{
    /// <summary>The signer record of <paramref name="keys"/>, with its nonces in nonce lane <paramref name="lane"/>.</summary>
    public static async Task<SignerResponse> GetAsync(HttpClient http, UserKeys keys, ushort lane = 0)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/signers/{keys.Signing.PublicKey}?lane={lane}");
        request.Headers.Add(SignerProof.Header, SignerProof.Create(keys.Signing, DateTimeOffset.UtcNow));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SignerResponse>(TestContext.Current.CancellationToken))!;
    }
}
