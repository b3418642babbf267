using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// Break-it (2026-12-06): a FIFO put in place of a file the node reads at start made the start wait forever. Every such
/// read asks <see cref="RegularFile.Length"/> first: a FIFO, a device, an empty file, a folder or a broken link is not opened.
/// Each read below runs with a bound, so that a regression fails instead of hanging the suite.
/// </summary>
public class RegularFileTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static Task<T> Bounded<T>(Func<T> read) => Task.Run(read).WaitAsync(Bound, TestContext.Current.CancellationToken);

    [Fact]
    public void Only_a_file_with_content_has_a_length_whatever_links_lead_to_it()
    {
        using var folder = new TempDirectory();
        var regular = folder.Combine("regular");
        File.WriteAllBytes(regular, [1, 2, 3]);
        var empty = folder.Combine("empty");
        File.WriteAllBytes(empty, []);
        var fifo = folder.Combine("fifo");
        SpecialFiles.MakeFifo(fifo);
        var sub = Directory.CreateDirectory(folder.Combine("sub")).FullName;
        string Link(string name, string target)
        {
            var path = folder.Combine(name);
            File.CreateSymbolicLink(path, target);
            return path;
        }
        Assert.Equal(3, RegularFile.Length(regular));
        Assert.Equal(3, RegularFile.Length(Link("to-regular", regular)));
        Assert.Equal(3, RegularFile.Length(Link("to-link", folder.Combine("to-regular"))));
        Assert.Equal(0, RegularFile.Length(empty));
        Assert.Equal(0, RegularFile.Length(fifo));
        Assert.Equal(0, RegularFile.Length(Link("to-fifo", fifo)));
        Assert.Equal(0, RegularFile.Length(Link("to-device", "/dev/zero")));
        Assert.Equal(0, RegularFile.Length(Link("to-folder", sub)));
        Assert.Equal(0, RegularFile.Length(Link("broken", folder.Combine("nothing"))));
        Assert.Equal(0, RegularFile.Length(sub));
        Assert.Equal(0, RegularFile.Length(folder.Combine("missing")));

        // Break-it (2026-12-06, fifth session): a broken link was described as "empty or not a regular file". Each case that
        // can be told apart is named; an empty file, a FIFO and a device cannot be (.NET gives no file type).
        Assert.Equal($"it is a symbolic link to {folder.Combine("nothing")}, which is not there", RegularFile.WhyNotOpened(folder.Combine("broken")));
        Assert.Equal($"it is a symbolic link to a folder ({sub}), not a file", RegularFile.WhyNotOpened(folder.Combine("to-folder")));
        Assert.Equal("it is a folder, not a file", RegularFile.WhyNotOpened(sub));
        Assert.Equal("there is no such file", RegularFile.WhyNotOpened(folder.Combine("missing")));
        Assert.StartsWith("it is a symbolic link that loops", RegularFile.WhyNotOpened(Link("loop-a", Link("loop-b", folder.Combine("loop-a")))), StringComparison.Ordinal);
        foreach (var path in new[] { empty, fifo, folder.Combine("to-fifo"), folder.Combine("to-device") }) Assert.Equal(RegularFile.NotOpened, RegularFile.WhyNotOpened(path));
    }

    [Fact]
    public async Task The_state_tree_the_check_record_and_the_tip_record_are_not_opened_when_a_fifo_stands_in_their_place()
    {
        using var fx = new LedgerFixture();
        StateTreeFile.Write(fx.Path, fx.Net.Tip, fx.Net.State.Tree);
        var tree = StateTreeFile.PathFor(fx.Path);
        File.Delete(tree);
        SpecialFiles.MakeFifo(tree);
        var (read, unusable) = await Bounded(() => (StateTreeFile.Read(fx.Path, fx.Net.Tip, null, out var why), why));
        Assert.Null(read);
        Assert.Equal(RegularFile.NotOpened, unusable);

        var record = CheckedPrefix.PathFor(fx.Path);
        SpecialFiles.MakeFifo(record);
        var (prefix, why) = await Bounded(() => (CheckedPrefix.Read(fx.Path, out var w), w));
        Assert.Null(prefix);
        Assert.Equal(RegularFile.NotOpened, why);

        var tip = LedgerTip.PathFor(fx.Path);
        File.Delete(tip);
        SpecialFiles.MakeFifo(tip);
        var damaged = await Assert.ThrowsAsync<InvalidDataException>(() => Bounded(() => LedgerTip.Read(fx.Path)));
        Assert.Equal($"the tip record ledger.tip is damaged ({RegularFile.NotOpened})", damaged.Message);
        Assert.Equal(0, RegularFile.Length(tip)); // still the FIFO: nothing was written
    }

    // Break-it (2026-12-06, later): the three SQLite files are opened by SQLite itself. A FIFO in place of ledger.db made
    // 'verify' (a read-only open) wait forever and 'up' fail with a bare I/O error; a folder there was taken for "no ledger"
    // ('up' then tried to make a new network); a damaged, empty or FIFO keystore.db or a folder in place of
    // ledger.disclosures.db ended the start with an unhandled exception, and an empty one of either was silently replaced by a
    // new empty file (every login, or every pending disclosure, lost). Each is now refused, naming the file, before SQLite opens it.
    public static TheoryData<string> NotRegular => ["fifo", "folder", "empty", "broken-link"];

    // What a refusal says of a file replaced by Replace(path, kind).
    private static string Why(string path, string kind) => kind switch
    {
        "folder" => "it is a folder, not a file",
        "broken-link" => $"it is a symbolic link to {path}.gone, which is not there",
        _ => RegularFile.NotOpened,
    };

    private static void Replace(string path, string kind)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
        switch (kind)
        {
            case "fifo": SpecialFiles.MakeFifo(path); break;
            case "folder": Directory.CreateDirectory(path); break;
            case "broken-link": File.CreateSymbolicLink(path, path + ".gone"); break;
            default: File.WriteAllBytes(path, []); break;
        }
    }

    // A new ledger (with its pending disclosures file) and keystore in the folder, closed: their paths.
    private static (string Ledger, string Keystore, string Disclosures) NewNodeFiles(TempDirectory folder)
    {
        var ledger = NewLedger(folder);
        var keystore = folder.Combine(Keystore.FileName);
        Keystore.Open(keystore).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return (ledger, keystore, PendingDisclosureFile.PathBeside(ledger));
    }

    // A new ledger in the folder, closed (its path).
    private static string NewLedger(TempDirectory folder)
    {
        var ledger = folder.Combine(SqliteLedgerStore.FileName);
        SqliteLedgerStore.Open(ledger, create: true).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return ledger;
    }

    [Theory]
    [MemberData(nameof(NotRegular))]
    public async Task A_ledger_file_that_is_not_a_regular_file_with_content_is_refused_by_name_for_writing_and_for_verification(string kind)
    {
        using var folder = new TempDirectory();
        var ledger = NewLedger(folder);
        Replace(ledger, kind);
        var expected = $"{ledger} is not a readable SQLite ledger: {Why(ledger, kind)}. Restore the data folder from a backup.";
        Assert.Equal(expected, (await Assert.ThrowsAsync<StoreCorruptException>(() => Bounded(() => SqliteLedgerStore.OpenReadOnly(ledger)))).Message);
        Assert.Equal(expected, (await Assert.ThrowsAsync<StoreCorruptException>(() => Bounded(() => SqliteLedgerStore.Open(ledger, create: false)))).Message);
        Assert.Equal(0, RegularFile.Length(ledger)); // left as it was
        Assert.False(Path.Exists(ledger + ".gone")); // a broken link's target was not made
    }

    [Theory]
    [MemberData(nameof(NotRegular))]
    public async Task A_pending_disclosures_file_that_is_not_a_regular_file_with_content_is_refused_by_name_not_replaced(string kind)
    {
        using var folder = new TempDirectory();
        var ledger = NewLedger(folder);
        var disclosures = PendingDisclosureFile.PathBeside(ledger);
        Replace(disclosures, kind);
        foreach (var open in new Func<SqliteLedgerStore>[] { () => SqliteLedgerStore.Open(ledger, create: false), () => SqliteLedgerStore.OpenReadOnly(ledger) })
        {
            var refused = await Assert.ThrowsAsync<StoreCorruptException>(() => Bounded(open));
            Assert.StartsWith($"{disclosures} (the pending disclosures: reads served but not yet on the chain) was not opened: {Why(disclosures, kind)}.", refused.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, RegularFile.Length(disclosures));
        Assert.False(Path.Exists(disclosures + ".gone"));
    }

    [Theory]
    [MemberData(nameof(NotRegular))]
    [InlineData("damaged")]
    public async Task A_keystore_that_is_not_a_readable_file_is_refused_by_name_never_replaced_by_an_empty_one(string kind)
    {
        using var folder = new TempDirectory();
        var path = folder.Combine(Keystore.FileName);
        Keystore.Open(path).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (kind == "damaged")
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
            File.WriteAllBytes(path, Enumerable.Repeat((byte)0xa5, 8192).ToArray());
        }
        else
        {
            Replace(path, kind);
        }
        var refused = await Assert.ThrowsAsync<StoreCorruptException>(() => Bounded(() => Keystore.Open(path)));
        Assert.StartsWith($"{path} (this node's logins: each user's keys, sealed by their password) ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(kind == "damaged" ? "is not a readable SQLite file: SQLite Error 26" : $"was not opened: {Why(path, kind)}.", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Restore it from a backup of the data folder", refused.Message, StringComparison.Ordinal);
        Assert.Equal(kind == "damaged" ? 8192 : 0, RegularFile.Length(path)); // left as it was
        Assert.False(Path.Exists(path + ".gone"));
    }

    // Break-it (2026-12-06, later): a folder in place of a -wal companion was blamed on the main file ("Restore it from a
    // backup", "move it aside", or for verify "not a HealthLedger ledger (no meta table)"): advice that gives up a sound file.
    [Fact]
    public void A_folder_in_place_of_a_write_ahead_log_is_named_as_an_access_problem_not_as_damage_of_the_file()
    {
        using var folder = new TempDirectory();
        var (ledger, keystore, disclosures) = NewNodeFiles(folder);
        foreach (var (file, open) in new (string, Action)[]
        {
            (ledger, () => SqliteLedgerStore.Open(ledger, create: false).Dispose()),
            (ledger, () => SqliteLedgerStore.OpenReadOnly(ledger).Dispose()),
            (disclosures, () => SqliteLedgerStore.Open(ledger, create: false).Dispose()),
            (keystore, () => Keystore.Open(keystore).Dispose()),
        })
        {
            foreach (var suffix in new[] { "-wal", "-shm" }) File.Delete(file + suffix);
            Directory.CreateDirectory(file + "-wal");
            var refused = Assert.Throws<StoreCorruptException>(open);
            Assert.StartsWith(file + " (", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"cannot be opened (SQLite Error 14: 'unable to open database file'): check that it, the {Path.GetFileName(file)}-wal and " +
                $"{Path.GetFileName(file)}-shm files beside it", refused.Message, StringComparison.Ordinal);
            Assert.EndsWith("Its content is not in question: do not restore it for this.", refused.Message, StringComparison.Ordinal);
            Directory.Delete(file + "-wal");
            open(); // sound once the folder is gone
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    // Break-it (2026-12-06, later): a valid SQLite file of another kind in a file's place was written into: a ledger copied over
    // keystore.db started a node nobody could log in to (a user_keys table added to it), a keystore copied over ledger.db had
    // the whole ledger schema written into it, so the evidence of the mix-up was gone. Each is refused, the file left as it was
    // (its mode too: a refused file was still tightened to 0600).
    [Fact]
    public void A_sqlite_file_of_another_kind_in_a_files_place_is_refused_and_left_as_it_was()
    {
        using var folder = new TempDirectory();
        var (ledger, keystore, disclosures) = NewNodeFiles(folder);
        using var other = new TempDirectory();
        var originals = new[] { ledger, keystore, disclosures }.ToDictionary(f => f, f =>
        {
            var copy = other.Combine(Path.GetFileName(f));
            File.Copy(f, copy);
            return copy;
        });
        foreach (var (place, from, open, kind) in new (string, string, Action, string)[]
        {
            (ledger, keystore, () => SqliteLedgerStore.Open(ledger, create: false).Dispose(), "a HealthLedger ledger"),
            (keystore, ledger, () => Keystore.Open(keystore).Dispose(), "a keystore"),
            (keystore, disclosures, () => Keystore.Open(keystore).Dispose(), "a keystore"),
            (disclosures, keystore, () => SqliteLedgerStore.Open(ledger, create: false).Dispose(), "a pending disclosures file"),
        })
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(place + suffix);
            File.Copy(originals[from], place);
            const UnixFileMode Loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(place, Loose);
            var bytes = File.ReadAllBytes(place);
            var refused = Assert.Throws<StoreCorruptException>(open);
            Assert.StartsWith(place, refused.Message, StringComparison.Ordinal);
            Assert.Contains($" is not {kind}: it holds other tables (", refused.Message, StringComparison.Ordinal);
            Assert.Contains("another file was put in its place. Nothing was written to it.", refused.Message, StringComparison.Ordinal);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Assert.Equal(bytes, File.ReadAllBytes(place));
            if (!OperatingSystem.IsWindows()) Assert.Equal(Loose, File.GetUnixFileMode(place));
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(place + suffix);
            File.Copy(originals[place], place); // back as it was, for the next case
        }
    }
}
