using System.Collections.Concurrent;

namespace HealthLedger.Storage;

/// <summary>
/// The writes to one of a node's files under way, so that a disk that stalls rather than fails — frozen (<c>fsfreeze</c>), a
/// failing disk retrying, a network mount gone: the write neither returns nor throws — is seen while it lasts:
/// <see cref="StalledSince"/> is when the oldest write still under way began, once that is long enough ago. The node's
/// <c>/healthz</c> answers 503 meanwhile. Thread-safe; a write is marked from <see cref="Begin"/> until its scope is disposed.
/// </summary>
public sealed class WriteWatch(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<long, DateTimeOffset> _underWay = new();
    private long _next;

    /// <summary>Marks a write as under way until the returned scope is disposed.</summary>
    public Scope Begin()
    {
        var id = Interlocked.Increment(ref _next);
        _underWay[id] = _clock.GetUtcNow();
        return new Scope(this, id);
    }

    /// <summary>When the oldest write still under way began, if that is more than <paramref name="after"/> ago; else null.</summary>
    public DateTimeOffset? StalledSince(TimeSpan after)
    {
        DateTimeOffset? oldest = null;
        foreach (var started in _underWay.Values) oldest = oldest is { } o && o <= started ? o : started;
        return oldest is { } since && _clock.GetUtcNow() - since > after ? since : null;
    }

    /// <summary>One write under way (<see cref="Begin"/>).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly WriteWatch? _watch;
        private readonly long _id;

        internal Scope(WriteWatch watch, long id)
        {
            _watch = watch;
            _id = id;
        }

        /// <summary>The write has returned (or thrown).</summary>
        public void Dispose() => _watch?._underWay.TryRemove(_id, out _);
    }
}
