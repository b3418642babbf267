using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Chain;

/// <summary>
/// Read access to committed blocks: /api/v1/ledger. Blocks map transactions to user and patient ids, kinds and times, so
/// browsing them needs an admin session; a signer's record is answered to an admin, to the key's own user (session), or to
/// a caller proving the key (<see cref="SignerProof"/>). The public <c>/verify</c> page shows only what a printed code names.
/// </summary>
public static class LedgerApi
{
    /// <summary>Maps the ledger endpoints.</summary>
    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        var blocks = app.MapGroup("/api/v1/ledger/blocks").WithTags("Ledger").RequireSession();
        blocks.MapGet("/{height}", GetBlock)
            .WithName("GetBlock")
            .WithSummary("A committed block: header fields, hash, transaction ids and outcomes (admins, auditors)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        blocks.MapGet("/latest", GetLatestBlock)
            .WithName("GetLatestBlock")
            .WithSummary("The last committed block (admins, auditors)")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        app.MapGroup("/api/v1/ledger").WithTags("Ledger").MapGet("/signers/{key}", GetSigner)
            .WithName("GetSigner")
            .WithSummary($"Who a signing key belongs to, its last nonce and the next nonce to use in nonce lane ?lane= (0–65535, default 0): admins, the key's own user, or a caller proving the key with the {SignerProof.Header} header")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Ok<SignerResponse>, ValidationProblem, ProblemHttpResult>> GetSigner(string key, string? lane, HttpContext http, LedgerBrowser ledger,
        SessionStore sessions, TimeProvider clock)
    {
        if (!SigningPublicKey.TryParse(key, out var signingKey))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = ["must be 64 hex digits"] });
        }
        ushort nonceLane = 0;
        if (lane is not null && !ushort.TryParse(lane, NumberStyles.None, CultureInfo.InvariantCulture, out nonceLane))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["lane"] = ["must be a whole number from 0 to 65535"] });
        }
        var proved = SignerProof.IsValid(signingKey, http.Request.Headers[SignerProof.Header].ToString() is { Length: > 0 } h ? h : null, clock.GetUtcNow());
        if (!proved)
        {
            var authenticated = await http.AuthenticateAsync(SessionAuthenticationHandler.SchemeName);
            var session = sessions.Find(authenticated.Principal?.FindFirst(SessionAuthenticationHandler.SessionClaim)?.Value);
            if (session is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not authenticated",
                    detail: $"Send an admin's bearer token, your own, or a {SignerProof.Header} header signed by the key.");
            }
            if (session.MustChangePassword || (session.Role != Role.Admin && session.Keys.Signing.PublicKey != signingKey))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only admins look up other users' signing keys.");
            }
        }
        return ledger.Signer(signingKey, nonceLane) is { } signer
            ? TypedResults.Ok(signer)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown signer", detail: $"Key {signingKey} is not registered on this network.");
    }

    private static Results<Ok<BlockResponse>, ValidationProblem, ProblemHttpResult> GetBlock(string height, HttpContext http, LedgerBrowser ledger)
    {
        if (AdminOrAuditor(http) is { } denied) return denied;
        if (!ulong.TryParse(height, NumberStyles.None, CultureInfo.InvariantCulture, out var h))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["height"] = ["must be a whole number from 0 up"] });
        }
        return ledger.Block(h) is { } block
            ? TypedResults.Ok(block)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such block", detail: $"Block {h} does not exist; the chain's height is {ledger.Height}.");
    }

    private static Results<Ok<BlockResponse>, ValidationProblem, ProblemHttpResult> GetLatestBlock(HttpContext http, LedgerBrowser ledger) =>
        GetBlock(ledger.Height.ToString(CultureInfo.InvariantCulture), http, ledger);

    private static ProblemHttpResult? AdminOrAuditor(HttpContext http) =>
        http.Session().Role is Role.Admin or Role.Auditor ? null : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only admins and auditors browse the ledger's blocks.");
}
