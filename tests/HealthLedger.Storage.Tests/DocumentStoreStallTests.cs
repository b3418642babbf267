using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// <see cref="DocumentStore.Writes"/> on a real file system whose writes stall (<see cref="FrozenDisk"/>): an upload's write to
/// a frozen disk is seen as under way for as long as it lasts, while an upload waiting for its client's next bytes is not.
/// </summary>
public sealed class DocumentStoreStallTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly byte[] Aad = "report-1/v1"u8.ToArray();

    // Break-it (2026-12-07): a report's file written to a frozen disk left the upload hanging with /healthz answering 200; the
    // disclosures' log and the login store were watched, the document store was not.
    [Fact]
    public async Task A_write_to_a_frozen_disk_is_seen_as_stalled_until_the_disk_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = new FrozenDisk(64);
        var store = new DocumentStore(Path.Combine(disk.Path, DocumentStore.FolderName));
        Assert.Null((await store.WriteAsync(new MemoryStream(new byte[1000]), Key, Aad, 1 << 20, null, ct)).Error); // folders made
        Task<DocumentWriteResult> write;
        disk.Freeze();
        try
        {
            write = Task.Run(() => store.WriteAsync(new MemoryStream([.. Enumerable.Range(0, 300_000).Select(i => (byte)i)]), Key, Aad, 1 << 20, null, ct), ct);
            await PollAsync("the write is seen as stalled", () => store.Writes.StalledSince(TimeSpan.FromMilliseconds(500)) is not null);
            Assert.False(write.IsCompleted);
        }
        finally
        {
            disk.Thaw();
        }
        Assert.Null((await write).Error);
        Assert.Null(store.Writes.StalledSince(TimeSpan.Zero));
    }

    [Fact]
    public async Task An_upload_waiting_for_its_clients_bytes_is_not_a_stalled_write()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var store = new DocumentStore(folder.Combine(DocumentStore.FolderName));
        var upload = new TrickleStream();
        var write = store.WriteAsync(upload, Key, Aad, 1 << 20, null, ct);
        await upload.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(30), ct); // the store waits for the client's next bytes
        Assert.Null(store.Writes.StalledSince(TimeSpan.Zero));
        upload.Finish();
        Assert.Null((await write).Error);
    }

    private static async Task PollAsync(string what, Func<bool> done)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (!done())
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50, TestContext.Current.CancellationToken); // polling the store's watch, which the write marks from another thread
        }
    }

    // A client that sends one chunk and a bit, then waits until told to end: the second read waits (Waiting is set then).
    private sealed class TrickleStream : Stream
    {
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Finish() => _finish.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            switch (++_reads)
            {
                case 1:
                    buffer.Span.Fill(7);
                    return buffer.Length;
                case 2:
                    Waiting.TrySetResult();
                    await _finish.Task.WaitAsync(cancellationToken);
                    buffer.Span[..10].Fill(8);
                    return 10;
                default:
                    return 0;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
