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
}
