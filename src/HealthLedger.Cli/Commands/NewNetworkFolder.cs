using HealthLedger.Storage;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// What a command that makes a network in a new folder (<c>init</c>, <c>up</c> and <c>cluster up</c> on a folder holding none,
/// <c>consortium up</c>, <c>consortium request</c>) says when making it failed. The maker leaves nothing behind on failure.
/// </summary>
internal static class NewNetworkFolder
{
    /// <summary>
    /// The one line for <paramref name="error"/>, met while making <paramref name="folder"/>: when the folder's disk is the cause
    /// (mounted read-only, full, out of inodes, over quota: <see cref="SqliteFileProblem.NoRoom"/>), "FOLDER cannot be made (…):"
    /// and which, whichever file failed first (a key file, the ledger, the keystore); otherwise the error's own message.
    /// </summary>
    public static string Problem(string folder, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // A PostgreSQL server that cannot be used is an IOException too (StoreUnavailableException): its message names the server.
        if (error is IOException or UnauthorizedAccessException or StoreCorruptException or SqliteException && error is not StoreUnavailableException
            && SqliteFileProblem.NoRoom(folder) is { } room)
        {
            // A database's own message speaks of restoring its content, which makes no sense for one being made: its file only.
            var what = error is StoreCorruptException ? "a database in it could not be written" : error.Message.TrimEnd('.');
            return $"{folder} cannot be made ({what}): {room}.";
        }
        return error.Message;
    }

    /// <summary>Whether <paramref name="error"/> is one that making a network can meet (a bad input, the disk, a database: the
    /// genesis block's commit meets a full disk as SQLite's own error).</summary>
    public static bool IsCreationFailure(Exception error) =>
        error is InvalidOperationException or IOException or UnauthorizedAccessException or StoreCorruptException or SqliteException;
}
