using System.Collections.Concurrent;

namespace HealthLedger.Node.Home;

/// <summary>
/// When each user last opened the notifications page, kept in this node's memory only (by user id, so across their
/// sessions and devices on this node; forgotten when the node restarts, when every past notice counts as new again). It is
/// a convenience, not a record: nothing of it reaches the ledger.
/// </summary>
public sealed class NotificationMarks
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>The instant up to which <paramref name="userId"/> has seen their notices (<see cref="DateTimeOffset.MinValue"/> when never).</summary>
    public DateTimeOffset SeenUpTo(string userId) => _seen.GetValueOrDefault(userId, DateTimeOffset.MinValue);

    /// <summary>Marks every notice up to <paramref name="at"/> as seen by <paramref name="userId"/>.</summary>
    public void See(string userId, DateTimeOffset at) => _seen[userId] = at;
}
