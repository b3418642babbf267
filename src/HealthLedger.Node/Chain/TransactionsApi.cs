using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Chain;

/// <summary>Submitting signed transactions and following them: /api/v1/transactions.</summary>
public static class TransactionsApi
{
    /// <summary>Where a transaction's status is read (<c>GET</c>: pending, or committed with its outcome), as 202s point to it.</summary>
    public static string StatusPath(string transactionId) => $"/api/v1/transactions/{transactionId}";

    /// <summary>How long <c>?wait=true</c> waits for the commit.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    /// <summary>Maps the transaction endpoints.</summary>
    public static IEndpointRouteBuilder MapTransactionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/transactions").WithTags("Transactions");
        group.MapPost("/", Submit)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(ChainPolicy.MaxTxBytesCeiling))
            .WithName("SubmitTransaction")
            .WithSummary("Submit one signed transaction (application/octet-stream, canonical encoding)")
            .WithDescription("Door checks run at once: encoding, size, signature, known signer, fresh nonce. A refused transaction gets 400 with its verdict and reason and is not stored. With wait=true the answer comes after the block commits.")
            .Accepts<byte[]>("application/octet-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/batch", SubmitBatch)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBatchBytes))
            .WithName("SubmitTransactionBatch")
            .WithSummary("Submit many signed transactions in order (application/octet-stream: a LEB128 count, then each transaction length-prefixed)")
            .WithDescription("Each transaction gets its own door verdict; accepted ones keep their order in the mempool, so one signer's nonces may run in sequence within a batch.")
            .Accepts<byte[]>("application/octet-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{id}", Get)
            .WithName("GetTransaction")
            .WithSummary("Status of a transaction: pending or committed with its block and outcome")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Accepted<TransactionStatusResponse>, Ok<TransactionStatusResponse>, ProblemHttpResult>> Submit(
        HttpRequest request, LedgerNode node, bool? wait, CancellationToken cancellationToken)
    {
        var max = node.Network.Policy.MaxTxBytes;
        if (request.ContentLength > max) return Refused(TxResult.Reject(TxVerdict.TooLarge, $"transaction is {request.ContentLength} bytes; the limit is {max}"), null);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max) return Refused(TxResult.Reject(TxVerdict.TooLarge, $"transaction is over the limit of {max} bytes"), null);
            buffer.Write(chunk, 0, read);
        }
        var result = node.Submit(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        if (!result.Result.IsOk) return Refused(result.Result, result.Id);
        var id = result.Id!.Value;
        if (wait != true)
        {
            return TypedResults.Accepted(StatusPath(id.ToString()), new TransactionStatusResponse(id.ToString(), "pending", null, null, null, null));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WaitLimit);
        try
        {
            return TypedResults.Ok(Committed(id, await node.WaitForCommitAsync(id, timeout.Token)));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Accepted(StatusPath(id.ToString()), new TransactionStatusResponse(id.ToString(), "pending", null, null, null, null));
        }
        catch (NodeHaltedException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: Web.ApiResults.StoppedTitle,
                detail: $"This node stopped before committing transaction {id} ({e.Reason}){node.StoppedWriteFate}");
        }
    }

    /// <summary>Largest batch body accepted.</summary>
    public const int MaxBatchBytes = 8 * 1024 * 1024;

    private static async Task<Results<Ok<BatchResponse>, ProblemHttpResult>> SubmitBatch(HttpRequest request, LedgerNode node, CancellationToken cancellationToken)
    {
        // A longer body is cut off by the endpoint's cap (413 from the server); a declared length over it is refused unread.
        if (request.ContentLength > MaxBatchBytes)
        {
            var tooLarge = Web.RequestBodyLimits.TooLargeMessage(MaxBatchBytes);
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Batch refused", detail: $"the batch is over {MaxBatchBytes} bytes",
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["body"] = [tooLarge] } });
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBatchBytes)
        {
            return BatchRefused($"the batch is over {MaxBatchBytes} bytes");
        }
        var entries = new List<ReadOnlyMemory<byte>>();
        var memory = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!BatchEncoding.TrySplit(memory, node.Network.Policy.MaxBlockTxs, node.Network.Policy.MaxTxBytes, entries, out var error))
        {
            return BatchRefused(error!);
        }
        var results = new List<BatchItemResponse>(entries.Count);
        var accepted = 0;
        // One door pass for the whole batch: signatures verified in parallel, then admitted in order.
        foreach (var r in node.SubmitBatch(entries))
        {
            if (r.Result.IsOk) accepted++;
            results.Add(new BatchItemResponse(r.Id?.ToString(), r.Result.Verdict.ToString(), r.Result.Reason));
        }
        return TypedResults.Ok(new BatchResponse(accepted, entries.Count - accepted, results));
    }

    private static Results<Ok<TransactionStatusResponse>, ValidationProblem, ProblemHttpResult> Get(string id, LedgerNode node)
    {
        if (!Hash256.TryParse(id, out var txId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["must be 64 hex digits"] });
        }
        if (node.Store.FindTransaction(txId) is { } committed) return TypedResults.Ok(Committed(txId, committed));
        if (node.Mempool.Contains(txId)) return TypedResults.Ok(new TransactionStatusResponse(txId.ToString(), "pending", null, null, null, null));
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such transaction",
            detail: $"Transaction {txId} is neither committed nor waiting.");
    }

    private static TransactionStatusResponse Committed(Hash256 id, CommittedTransaction c) =>
        new(id.ToString(), "committed", c.Height, c.Index, c.Receipt.Verdict.ToString(), c.Receipt.Reason);

    private static ProblemHttpResult Refused(TxResult result, Hash256? id)
    {
        var status = result.Verdict == TxVerdict.Busy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status400BadRequest;
        var extensions = new Dictionary<string, object?> { ["verdict"] = result.Verdict.ToString() };
        if (id is not null) extensions["transactionId"] = id.Value.ToString();
        if (status == StatusCodes.Status400BadRequest) extensions["errors"] = new Dictionary<string, string[]> { ["transaction"] = [result.Reason] };
        return TypedResults.Problem(statusCode: status, title: "Transaction refused", detail: result.Reason, extensions: extensions);
    }

    private static ProblemHttpResult BatchRefused(string reason) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Batch refused", detail: reason,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["batch"] = [reason] } });
}
