using System.Runtime.InteropServices;

namespace HealthLedger.Storage;

/// <summary>The few native calls .NET has no API for: fsync of a folder, fdatasync of a file; SQLite's file controls.</summary>
internal static partial class NativeMethods
{
    /// <summary>O_RDONLY | O_DIRECTORY on Linux (0x10000 on x86-64 and arm64); O_RDONLY alone opens a folder elsewhere.</summary>
    public static int ReadOnlyDirectory => OperatingSystem.IsLinux() ? 0x10000 : 0;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Close(int fd);

    /// <summary>SQLITE_FCNTL_HAS_MOVED: whether the database file was deleted or replaced (another file at its path) since it was opened.</summary>
    public const int SqliteHasMoved = 20;

    // The SQLite library Microsoft.Data.Sqlite loads (SQLitePCLRaw's bundle), which has no managed binding of this call.
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_file_control", StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories)]
    public static partial int SqliteFileControl(IntPtr db, string database, int op, ref int value);
}
