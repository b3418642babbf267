using HealthLedger.Core.Records;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Web;

/// <summary>Where a record version is on the ledger.</summary>
public sealed record ProofResponse(string TransactionId, ulong Height, DateTimeOffset BlockTime)
{
    public static ProofResponse From(RecordProof p) => new(p.TxId.ToString(), p.Height, DateTimeOffset.FromUnixTimeMilliseconds((long)p.Timestamp));
}

/// <summary>What a write produced (registrations also carry the one-time password, shown once; other writes leave it out).</summary>
public sealed record WriteResponse(string Id, string TransactionId, ulong Height,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? OneTimePassword)
{
    public static WriteResponse From(WriteResult r) => new(r.Id, r.TransactionId, r.Height, r.OneTimePassword);
}

/// <summary>
/// A password reset (<c>POST /api/v1/patients/{id}/password-reset</c>): the user and the one-time password, shown once. It takes
/// effect in this node's login store; the sealed login reaches the organisation's other nodes through the ledger.
/// </summary>
public sealed record PasswordResetResponse(string Id, string OneTimePassword);

/// <summary>A page of a list.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize, int PageCount)
{
    public static PageResponse<T> From<TItem>(Page<TItem> page, Func<TItem, T> map) =>
        new(page.Items.Select(map).ToList(), page.Total, page.PageNumber, page.PageSize, page.PageCount);
}
