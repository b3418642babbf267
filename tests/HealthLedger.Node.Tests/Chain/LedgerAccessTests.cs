using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Chain;

/// <summary>
/// Issue 12 item 18: the ledger's blocks and signers map every transaction to user and patient ids, kinds and times, so
/// browsing them needs an admin; a signer's record is answered to an admin, to the key's own user, or to a caller who
/// proves the key (how <c>healthledger load</c> learns its nonce).
/// </summary>
public class LedgerAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpClient Doctor, HttpClient Patient)> UsersAsync(NodeFixture node, HttpClient admin)
    {
        using var doctor = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-l", name = "Lea L", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct);
        var d = (await doctor.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        using var patient = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-L1", fullName = "Pat L", dateOfBirth = "1970-01-01", gender = "male" }, Ct);
        var p = (await patient.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        return (await node.FirstLoginAsync(d.Id, d.OneTimePassword!), await node.FirstLoginAsync(p.Id, p.OneTimePassword!));
    }

    [Theory]
    [InlineData("/api/v1/ledger/blocks/1")]
    [InlineData("/api/v1/ledger/blocks/latest")]
    public async Task Blocks_are_for_admins_only(string path)
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var (doctor, patient) = await UsersAsync(node, admin);
        using (doctor)
        using (patient)
        {
            using var anonymous = await node.Http.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            foreach (var user in new[] { doctor, patient })
            {
                using var refused = await user.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            }
            var block = await admin.GetFromJsonAsync<BlockResponse>(path, Ct);
            Assert.NotEmpty(block!.Transactions);
        }
    }

    [Fact]
    public async Task A_signer_is_answered_to_an_admin_to_its_own_user_or_to_whoever_proves_the_key()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var (doctor, patient) = await UsersAsync(node, admin);
        using (doctor)
        using (patient)
        {
            var path = $"/api/v1/ledger/signers/{node.Admin.Signing.PublicKey}";
            using var anonymous = await node.Http.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            foreach (var user in new[] { doctor, patient })
            {
                using var refused = await user.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }
            Assert.Equal("admin", (await admin.GetFromJsonAsync<SignerResponse>(path, Ct))!.Id);
            Assert.Equal("admin", (await node.AdminSignerAsync()).Id);

            // A proof by another key, a stale proof and a damaged one are refused.
            using var other = UserKeys.FromSecret(new byte[UserKeys.SecretLength]);
            var good = SignerProof.Create(node.Admin.Signing, DateTimeOffset.UtcNow);
            foreach (var proof in new[]
            {
                SignerProof.Create(other.Signing, DateTimeOffset.UtcNow),
                SignerProof.Create(node.Admin.Signing, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10)),
                good[..^1] + (good[^1] == '0' ? "1" : "0"),
                "garbage",
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add(SignerProof.Header, proof);
                using var refused = await node.Http.SendAsync(request, Ct);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }
        }
    }
}
