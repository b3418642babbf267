using System.Security.Cryptography;

namespace HealthLedger.Node.MedicalReports;

/// <summary>
/// A read-only pass-through over an upload that computes the SHA-1 of every byte read (FHIR R4's <c>Attachment.hash</c>),
/// so the hash is had while the file streams into the encrypting document store, never by decrypting it later.
/// </summary>
internal sealed class Sha1ReadingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);

    /// <summary>The bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The SHA-1 of the bytes read so far, base64 (as FHIR writes base64Binary).</summary>
    public string Sha1Base64() => Convert.ToBase64String(_hash.GetCurrentHash());

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Append(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Append(buffer.Span[..n]);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> read)
    {
        _hash.AppendData(read);
        BytesRead += read.Length;
    }
}
