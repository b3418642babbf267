namespace HealthLedger.Storage;

/// <summary>
/// The files a node reads at start (its caches, records, keys and config) are read only when they hold something: a FIFO
/// put in place of one would make the read wait for a writer forever (the start hung), and a device would be read as if it
/// were the file. .NET gives no file type, but gives the length of a FIFO, a device or an empty file as 0, which none of
/// these files may be; a symbolic link is followed to its final target first.
/// </summary>
public static class RegularFile
{
    /// <summary>
    /// The length in bytes of the file at <paramref name="path"/> (after its symbolic links), or 0 when it is missing, a folder,
    /// a FIFO, a device, an empty file or a broken or looping link: 0 means "do not open it".
    /// </summary>
    public static long Length(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var info = new FileInfo(path);
            // A link's target is given as a FileInfo whatever it is: one that is a folder does not exist as a file.
            var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            return target is FileInfo { Exists: true } file ? file.Length : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    /// <summary>
    /// True when something is at <paramref name="path"/> (a file of any kind, a folder, a link) but <see cref="Length"/> gives 0:
    /// a file that must not be opened, and must not be taken for "no file" either (a new empty one made in its place).
    /// </summary>
    public static bool StandsInTheWay(string path) => Path.Exists(path) && Length(path) == 0;

    /// <summary>What a start says of a file <see cref="Length"/> gives as 0 though it exists, when nothing more precise is known: it is not opened.</summary>
    public const string NotOpened = "it is empty or not a regular file, such as a FIFO or a device";

    /// <summary>
    /// Why the file at <paramref name="path"/>, which <see cref="Length"/> gives as 0, is not opened, as a clause for a message
    /// ("… was not opened: {clause}."): a symbolic link whose target is missing (named) or that loops, a folder, nothing at all,
    /// else <see cref="NotOpened"/> (an empty file, a FIFO or a device, which .NET does not tell apart).
    /// </summary>
    public static string WhyNotOpened(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } link)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null && Directory.Exists(target.FullName)) return $"it is a symbolic link to a folder ({link}), not a file";
                if (target is null || !target.Exists) return $"it is a symbolic link to {link}, which is not there";
                return NotOpened;
            }
            if (Directory.Exists(path)) return "it is a folder, not a file";
            if (!Path.Exists(path)) return "there is no such file";
        }
        catch (IOException)
        {
            return "it is a symbolic link that loops or goes too deep";
        }
        catch (Exception e) when (e is UnauthorizedAccessException or ArgumentException)
        {
            return NotOpened;
        }
        return NotOpened;
    }
}
