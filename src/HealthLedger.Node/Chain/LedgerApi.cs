using System.Globalization;
using HealthLedger.Core.Primitives;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Chain;

/// <summary>Read access to committed blocks: /api/v1/ledger.</summary>
public static class LedgerApi
{
    /// <summary>Maps the ledger endpoints.</summary>
    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/ledger").WithTags("Ledger");
        group.MapGet("/blocks/{height}", GetBlock)
            .WithName("GetBlock")
            .WithSummary("A committed block: header fields, hash, transaction ids and outcomes")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/blocks/latest", GetLatestBlock)
            .WithName("GetLatestBlock")
            .WithSummary("The last committed block");
        group.MapGet("/signers/{key}", GetSigner)
            .WithName("GetSigner")
            .WithSummary("Who a signing key belongs to, its last nonce and the next nonce to use")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static Results<Ok<SignerResponse>, ValidationProblem, ProblemHttpResult> GetSigner(string key, LedgerBrowser ledger)
    {
        if (!SigningPublicKey.TryParse(key, out var signingKey))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = ["must be 64 hex digits"] });
        }
        return ledger.Signer(signingKey) is { } signer
            ? TypedResults.Ok(signer)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown signer", detail: $"Key {signingKey} is not registered on this network.");
    }

    private static Results<Ok<BlockResponse>, ValidationProblem, ProblemHttpResult> GetBlock(string height, LedgerBrowser ledger)
    {
        if (!ulong.TryParse(height, NumberStyles.None, CultureInfo.InvariantCulture, out var h))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["height"] = ["must be a whole number from 0 up"] });
        }
        return ledger.Block(h) is { } block
            ? TypedResults.Ok(block)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such block", detail: $"Block {h} does not exist; the chain's height is {ledger.Height}.");
    }

    private static Results<Ok<BlockResponse>, ValidationProblem, ProblemHttpResult> GetLatestBlock(LedgerBrowser ledger) =>
        GetBlock(ledger.Height.ToString(CultureInfo.InvariantCulture), ledger);
}
