namespace HealthLedger.Node.Records;

/// <summary>The result of an operation: a value, or why there is none.</summary>
public sealed class Outcome<T>
{
    private Outcome(OutcomeKind kind, T? value, FieldErrors? errors, string? message, string? transactionId = null, string? oneTimePassword = null, string? id = null)
    {
        Kind = kind;
        Value = value;
        Errors = errors;
        Message = message;
        TransactionId = transactionId;
        OneTimePassword = oneTimePassword;
        Id = id;
    }

    public OutcomeKind Kind { get; }

    public T? Value { get; }

    public FieldErrors? Errors { get; }

    public string? Message { get; }

    /// <summary>The transaction a <see cref="OutcomeKind.Pending"/> write is waiting on (hex), else null.</summary>
    public string? TransactionId { get; }

    /// <summary>A <see cref="OutcomeKind.Pending"/> registration's one-time password (valid once it commits), else null.</summary>
    public string? OneTimePassword { get; }

    /// <summary>
    /// What a <see cref="OutcomeKind.Pending"/> write creates or changes (a new patient's id, which is their login name; the
    /// record's id), as its 201 or 200 would have named it; else null.
    /// </summary>
    public string? Id { get; }

    public bool IsOk => Kind == OutcomeKind.Ok;

    public static Outcome<T> Ok(T value) => new(OutcomeKind.Ok, value, null, null);

    public static Outcome<T> Invalid(FieldErrors errors) => new(OutcomeKind.Invalid, default, errors, "Some fields need attention.");

    /// <summary>A conflict with the current state, naming the fields in conflict (409).</summary>
    public static Outcome<T> Conflict(FieldErrors errors, string message) => new(OutcomeKind.Conflict, default, errors, message);

    /// <summary>Something the request names cannot be used (422), naming the fields.</summary>
    public static Outcome<T> Unprocessable(FieldErrors errors, string message) => new(OutcomeKind.Unprocessable, default, errors, message);

    public static Outcome<T> Forbidden(string message) => new(OutcomeKind.Forbidden, default, null, message);

    public static Outcome<T> NotFound(string message) => new(OutcomeKind.NotFound, default, null, message);

    public static Outcome<T> Failed(string message) => new(OutcomeKind.Failed, default, null, message);

    /// <summary>The node is overloaded: nothing was written, try again shortly (503 with <c>Retry-After</c>).</summary>
    public static Outcome<T> Busy(string message) => new(OutcomeKind.Busy, default, null, message);

    /// <summary>The node stopped before the write was committed (<see cref="OutcomeKind.Stopped"/>).</summary>
    public static Outcome<T> Stopped(string message) => new(OutcomeKind.Stopped, default, null, message);

    /// <summary>The write was taken but not committed within the commit timeout; it may still commit (<see cref="OutcomeKind.Pending"/>).</summary>
    public static Outcome<T> Pending(string message, string transactionId, string? oneTimePassword = null, string? id = null) =>
        new(OutcomeKind.Pending, default, null, message, transactionId, oneTimePassword, id);

    /// <summary>The same failure for another value type.</summary>
    public Outcome<TOther> As<TOther>() => new(Kind, default, Errors, Message, TransactionId, OneTimePassword, Id);
}
