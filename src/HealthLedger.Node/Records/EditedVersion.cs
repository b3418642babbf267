using System.Globalization;

namespace HealthLedger.Node.Records;

/// <summary>
/// Optimistic concurrency for every edit of a versioned record (a patient's demographics, a doctor's directory entry, a
/// formulary drug, and the organisation-wide lists: the ward list, the network policy, the laboratory catalogue): the client
/// says which version it edited, as the <c>version</c> field of the body (HTML forms carry it in a hidden field) or as an
/// RFC 9110 <c>If-Match</c> header holding the version's entity tag (<c>"3"</c>, as <c>GET</c> answers it in <c>ETag</c>;
/// <c>*</c> matches any current version). An edit of an older version is refused (409 naming <c>version</c> and the current
/// version) and nothing is written, so one editor's change is never silently overwritten by another's.
/// </summary>
public static class EditedVersion
{
    /// <summary>The entity tag of version <paramref name="version"/>: the number in double quotes (a strong tag).</summary>
    public static string ETag(int version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// Null when the edit is of <paramref name="current"/>; otherwise the refusal: 400 naming <c>version</c> when no version
    /// was given, or when the body and <c>If-Match</c> disagree or <c>If-Match</c> is not a version's tag; 409 naming
    /// <c>version</c> (with the current version) when the edited version is not the current one.
    /// </summary>
    public static Outcome<WriteResult>? Check(int? bodyVersion, string? ifMatch, int current, string what) =>
        Check<WriteResult>(bodyVersion, ifMatch, current, what);

    /// <summary>
    /// As <see cref="Check(int?, string?, int, string)"/> for an outcome of <typeparamref name="T"/>. <paramref name="first"/>
    /// is the lowest version a client can have read: 1 for records created by a write, 0 for the organisation-wide lists
    /// (ward list, network policy, laboratory catalogue), which read as version 0 until the first one is saved.
    /// </summary>
    public static Outcome<T>? Check<T>(int? bodyVersion, string? ifMatch, int current, string what, int first = 1)
    {
        int? fromHeader = null;
        if (!string.IsNullOrWhiteSpace(ifMatch))
        {
            var tag = ifMatch.Trim();
            if (tag == "*") fromHeader = current;
            else if (tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && int.TryParse(tag[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) fromHeader = v;
            else return Outcome<T>.Invalid(FieldErrors.One("version", "If-Match must be the entity tag of the version you edited, such as \"3\" (as ETag answers it)."));
        }
        if (bodyVersion is { } b && fromHeader is { } h && b != h && ifMatch!.Trim() != "*")
        {
            return Outcome<T>.Invalid(FieldErrors.One("version", $"The body says version {b} but If-Match says {h}; send one."));
        }
        var edited = bodyVersion ?? fromHeader;
        if (edited is not { } e) return Outcome<T>.Invalid(FieldErrors.One("version", "Say which version you edited: the version field (or an If-Match header)."));
        if (e < first) return Outcome<T>.Invalid(FieldErrors.One("version", $"Versions start at {first}."));
        return e == current ? null : Stale<T>(e, current, what);
    }

    /// <summary>The 409 refusal of an edit of version <paramref name="edited"/> while <paramref name="current"/> is current.</summary>
    public static Outcome<WriteResult> Stale(int edited, int current, string what) => Stale<WriteResult>(edited, current, what);

    /// <summary>As <see cref="Stale(int, int, string)"/> for an outcome of <typeparamref name="T"/>.</summary>
    public static Outcome<T> Stale<T>(int edited, int current, string what) =>
        Outcome<T>.Conflict(FieldErrors.One("version", edited < current
                ? $"You edited version {edited}, but the current version is {current}: it was changed meanwhile. Reload it, check the changes and edit again."
                : $"Version {edited} does not exist; the current version is {current}."),
            edited < current
                ? $"The {what} changed since you opened it (now version {current}); nothing was saved."
                : $"The {what} has no version {edited} (it is at version {current}); nothing was saved.");
}
