using System.Globalization;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

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
        group.MapGet("/blocks/latest", (LedgerNode node) => GetBlock(node.Tip.Height.ToString(CultureInfo.InvariantCulture), node))
            .WithName("GetLatestBlock")
            .WithSummary("The last committed block");
        group.MapGet("/signers/{key}", GetSigner)
            .WithName("GetSigner")
            .WithSummary("Who a signing key belongs to, its last nonce and the next nonce to use")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static Results<Ok<SignerResponse>, ValidationProblem, ProblemHttpResult> GetSigner(string key, LedgerNode node)
    {
        if (!SigningPublicKey.TryParse(key, out var signingKey))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["key"] = ["must be 64 hex digits"] });
        }
        var record = node.GetState(StateKeys.Signer(signingKey)) is { } bytes ? SignerRecord.TryDecode(bytes) : null;
        if (record is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown signer", detail: $"Key {signingKey} is not registered on this network.");
        }
        var (last, next) = node.Nonces(signingKey);
        var organisation = record.Kind switch
        {
            SignerKind.User => node.GetState(StateKeys.User(record.Id)) is { } u ? UserRecord.TryDecode(u)?.OrganisationId : null,
            SignerKind.Node => node.GetState(StateKeys.Node(record.Id)) is { } n ? NodeRecord.TryDecode(n)?.OrganisationId : null,
            _ => record.Id,
        };
        return TypedResults.Ok(new SignerResponse(signingKey.ToString(), record.Kind.ToString(), record.Id, organisation ?? "", last, next, node.Network.NetworkId));
    }

    private static Results<Ok<BlockResponse>, ValidationProblem, ProblemHttpResult> GetBlock(string height, LedgerNode node)
    {
        if (!ulong.TryParse(height, NumberStyles.None, CultureInfo.InvariantCulture, out var h))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["height"] = ["must be a whole number from 0 up"] });
        }
        var stored = h <= node.Tip.Height ? node.Store.ReadBlock(h) : null;
        if (stored is null || !BlockHeader.TryDecode(stored.Header, out var header, out _))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such block",
                detail: $"Block {h} does not exist; the chain's height is {node.Tip.Height}.");
        }
        var txs = new List<BlockTransactionResponse>(stored.Transactions.Count);
        for (var i = 0; i < stored.Transactions.Count; i++)
        {
            Transaction.TryDecode(stored.Transactions[i].Body, int.MaxValue, out var tx);
            Receipt.TryDecode(stored.Receipts.ElementAtOrDefault(i) ?? [], out var receipt, out _);
            txs.Add(new BlockTransactionResponse(i, Convert.ToHexStringLower(stored.Transactions[i].Id), tx?.Kind.ToString() ?? "unknown",
                tx?.Signer.ToString() ?? "", tx?.Nonce ?? 0, receipt?.Verdict.ToString() ?? "unknown", receipt?.Reason ?? ""));
        }
        var hd = header!;
        return TypedResults.Ok(new BlockResponse(hd.Height, hd.Hash.ToString(), hd.PreviousHash.ToString(),
            DateTimeOffset.FromUnixTimeMilliseconds((long)hd.Timestamp), hd.Timestamp, hd.TxCount, hd.TxRoot.ToString(),
            hd.StateRoot.ToString(), hd.ReceiptsRoot.ToString(), hd.Proposer.ToString(), hd.Signature.ToString(), txs));
    }
}
