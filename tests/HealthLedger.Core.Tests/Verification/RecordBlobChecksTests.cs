using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Verification;

/// <summary>
/// <see cref="RecordBlobChecks"/> against real blocks of a test network (doctor registrations, each carrying a record): the
/// stored ciphertexts as the store gives them (hash order), then each kind of damage, one at a time.
/// </summary>
public class RecordBlobChecksTests : IDisposable
{
    private const ulong T = 1_700_000_002_000;
    private readonly TestNetwork _net = new();
    private ulong _time = T;

    // The ciphertexts referenced (by accepted transactions), with the height, index and id of their first reference.
    private readonly Dictionary<Hash256, (byte[] Data, ulong Height, int Index, string TxId)> _referenced = [];
    private readonly RecordBlobChecks _checks = new();

    public void Dispose()
    {
        _net.Dispose();
        GC.SuppressFinalize(this);
    }

    private static byte[] Ciphertext(int n) => [.. Enumerable.Range(0, 40 + n).Select(i => (byte)(i * 31 + n))];

    private Transaction Doctor(string id, byte[] ciphertext)
    {
        using var keys = TestNetwork.KeysFor(id);
        var record = new SealedRecordRef(Hashing.Sha256(ciphertext), ciphertext.Length,
            [RecordCrypto.Wrap(new byte[32], _net.Organisation.Encryption.PublicKey, new byte[32], [])]);
        _net.UseAdminNonce(_net.AdminNonce + 1);
        return Transaction.Create(TestNetwork.NetworkId, _net.Admin.Signing, _net.AdminNonce,
            new RegisterDoctorPayload(id, TestNetwork.OrgId, keys.Signing.PublicKey, keys.Encryption.PublicKey, record));
    }

    // Appends a block of doctor registrations (id, ciphertext) and adds it to the checks.
    private void Block(params (string Id, byte[] Ciphertext)[] doctors)
    {
        var built = _net.Append(_time += 1000, [.. doctors.Select(d => Doctor(d.Id, d.Ciphertext))]);
        _checks.Add(built.Block, built.Execution.Receipts);
        for (var i = 0; i < doctors.Length; i++)
        {
            if (built.Execution.Receipts[i].Verdict != TxVerdict.Ok) continue;
            _referenced.TryAdd(Hashing.Sha256(doctors[i].Ciphertext), (doctors[i].Ciphertext, built.Block.Header.Height, i, built.Block.Transactions[i].Id.ToString()));
        }
    }

    // Seven ciphertexts over three blocks; the last block references the first block's first ciphertext again.
    private void SevenRecords()
    {
        Block(("dr-a", Ciphertext(1)), ("dr-b", Ciphertext(2)), ("dr-c", Ciphertext(3)));
        Block(("dr-d", Ciphertext(4)), ("dr-e", Ciphertext(5)));
        Block(("dr-f", Ciphertext(6)), ("dr-g", Ciphertext(7)), ("dr-h", Ciphertext(1)));
    }

    // What an intact store gives: every referenced ciphertext once, filed under its first reference's height, in hash order.
    private List<(byte[] Hash, byte[] Data, ulong Height)> Stored() =>
        [.. _referenced.OrderBy(r => r.Key).Select(r => (r.Key.ToArray(), r.Value.Data, r.Value.Height))];

    [Fact]
    public void An_intact_store_passes_and_a_ciphertext_referenced_twice_is_filed_under_its_first_reference()
    {
        SevenRecords();
        Assert.Equal(7, _referenced.Count);
        Assert.Equal(7, _checks.Count);
        Assert.Null(_checks.Check(Stored()));
        Assert.Null(_checks.Check(Stored().AsEnumerable().Reverse())); // in any order

        var again = Hashing.Sha256(Ciphertext(1));
        var first = _referenced[again].Height;
        var filedLater = Stored().Select(s => new Hash256(s.Hash) == again ? (s.Hash, s.Data, first + 2) : s);
        var issue = _checks.Check(filedLater)!;
        Assert.Equal((first, 0, _referenced[again].TxId), (issue.Height!.Value, issue.TxIndex!.Value, issue.TxId));
        Assert.Equal($"record ciphertext {again} is filed under height {first + 2}, but block {first} first referenced it", issue.Message);
    }

    [Fact]
    public void A_changed_ciphertext_is_named_with_its_transaction()
    {
        SevenRecords();
        var stored = Stored();
        var (hash, data, height) = stored[4];
        var changed = data.ToArray();
        changed[7] ^= 1;
        stored[4] = (hash, changed, height);
        var issue = _checks.Check(stored)!;
        var where = _referenced[new Hash256(hash)];
        Assert.Equal((where.Height, where.Index, where.TxId), (issue.Height!.Value, issue.TxIndex!.Value, issue.TxId));
        Assert.Equal($"record ciphertext {new Hash256(hash)} was changed: its bytes no longer match the hash on the chain", issue.Message);
    }

    [Fact]
    public void Of_several_missing_ciphertexts_the_earliest_reference_is_named_after_any_problem_in_the_stored_ones()
    {
        SevenRecords();
        var stored = Stored();
        // The missing ones: the first block's last record and the third block's first; whichever sorts first by hash, the
        // first block's is named.
        var early = Hashing.Sha256(Ciphertext(3));
        var late = Hashing.Sha256(Ciphertext(6));
        Assert.Equal(_referenced[early].Height + 2, _referenced[late].Height);
        stored.RemoveAll(s => new Hash256(s.Hash) == early || new Hash256(s.Hash) == late);
        var issue = _checks.Check(stored)!;
        Assert.Equal($"record ciphertext {early} is missing", issue.Message);
        Assert.Equal((_referenced[early].Height, 2), (issue.Height!.Value, issue.TxIndex!.Value));

        // A stored ciphertext changed (anywhere in the stream) is the problem named before any missing one.
        var last = stored.Count - 1;
        stored[last] = (stored[last].Hash, [.. stored[last].Data, 0], stored[last].Height);
        Assert.Contains("was changed", _checks.Check(stored)!.Message);
    }

    [Fact]
    public void A_stored_ciphertext_no_accepted_transaction_references_is_named()
    {
        SevenRecords();
        // A rejected registration (the id is taken) references a ciphertext: it is not required, and stored it is extra.
        var rejected = Ciphertext(9);
        Block(("dr-a", rejected));
        Assert.Equal(7, _referenced.Count);
        Assert.Null(_checks.Check(Stored()));

        var extra = Hashing.Sha256(rejected);
        var stored = Stored();
        stored.Add((extra.ToArray(), rejected, _net.Tip.Height));
        stored.Sort((a, b) => a.Hash.AsSpan().SequenceCompareTo(b.Hash));
        Assert.Equal($"record ciphertext {extra} is stored but no transaction references it", _checks.Check(stored)!.Message);

        byte[] shortKey = [1, 2, 3];
        Assert.Equal("record ciphertext 010203 is stored but no transaction references it",
            _checks.Check([(shortKey, rejected, _net.Tip.Height), .. Stored()])!.Message);
    }

    [Fact]
    public void References_added_after_a_check_count_in_the_next()
    {
        Block(("dr-a", Ciphertext(1)), ("dr-b", Ciphertext(2)), ("dr-c", Ciphertext(3)));
        Assert.Null(_checks.Check(Stored()));
        Block(("dr-d", Ciphertext(4)));
        Assert.Null(_checks.Check(Stored()));
        Assert.Contains("is missing", _checks.Check(Stored()[..3])!.Message);
        Block(("dr-e", Ciphertext(5)), ("dr-f", Ciphertext(6)), ("dr-g", Ciphertext(7)));
        Assert.Null(_checks.Check(Stored()));
        Assert.Null(new RecordBlobChecks().Check([]));
        Assert.Contains("no transaction references it", new RecordBlobChecks().Check(Stored())!.Message);
    }

    [Fact]
    public void The_referenced_ciphertexts_alone_are_read_for_a_check_of_the_blocks_added()
    {
        SevenRecords();
        IReadOnlyList<Hash256>? asked = null;
        byte[]?[] Read(IReadOnlyList<Hash256> hashes, Func<Hash256, byte[]?> stored)
        {
            asked = hashes;
            return [.. hashes.Select(stored)];
        }
        Assert.Null(_checks.CheckReferenced(h => Read(h, x => _referenced[x].Data)));
        Assert.Equal(_referenced.Keys.Order(), asked!.Order()); // each once

        var gone = Hashing.Sha256(Ciphertext(5));
        var missing = _checks.CheckReferenced(h => Read(h, x => x == gone ? null : _referenced[x].Data))!;
        Assert.Equal(($"record ciphertext {gone} is missing", _referenced[gone].TxId), (missing.Message, missing.TxId));
        var changed = _checks.CheckReferenced(h => Read(h, x => x == gone ? [.. _referenced[x].Data[1..]] : _referenced[x].Data))!;
        Assert.Contains("was changed", changed.Message);
    }
}
