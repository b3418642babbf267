namespace HealthLedger.Storage;

/// <summary>Whole-file replacement that survives a crash: the old content or the new one, never a torn mix.</summary>
public static class DurableFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> (owner-only): written to a temporary file beside it,
    /// fsynced, renamed over the old one, then the folder fsynced so that the rename survives a power cut.
    /// </summary>
    public static void Replace(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Replace(path, stream => stream.Write(content));
    }

    /// <summary>
    /// <see cref="Replace(string, byte[])"/> for content written piece by piece to a stream (never whole in memory):
    /// <paramref name="write"/> writes it to the temporary file; if it throws, the file is left as it was.
    /// </summary>
    public static void Replace(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, OwnerOnly.NewFile(FileMode.Create, bufferSize: 1 << 16)))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        LedgerTip.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
