using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Tests.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>
/// The replica store peers and mirrors share: prefixed (mirror) keys, one record format with the leaf flags on
/// disk, format 1 (earlier mirrors) still readable, and version-checked writes for grains.
/// </summary>
public class ReplicaStoreTests
{
    private const string Key = "record/rec/db/x";

    private static RevisionLeaf Child(RevisionLeaf? parent, string? json) =>
        RevisionLeaf.Child(parent, json is null, json is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(json));

    private static string Describe(DocumentRecord? record) => record is null ? "<none>" :
        string.Join(" ", record.Leaves.Select(l => $"{l.Rev}{(l.Deleted ? "(d)" : "")}:{Encoding.UTF8.GetString(l.Body.Span)}"));

    [Fact]
    public async Task A_merge_under_a_prefixed_key_writes_format_2_and_the_leaf_flags_survive_reopening()
    {
        using var dir = new TempDirectory();
        var a1 = Child(null, """{"v":1}""");
        var b2 = Child(a1, """{"v":"b"}""");
        var c2 = Child(a1, """{"v":"c"}""");
        var written = new List<string>();
        string tag;
        await using (var records = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            var replica = new ReplicaStore(records, "test");
            replica.AddObserver(new Recorder(w => written.Add($"{w.Key} {w.Record!.Winner.Rev}")));
            var (result, stored) = await replica.MergeAsync(Key, "x", [a1, b2, c2], pending: false);
            Assert.Equal(MergeResult.Conflict, result);
            Assert.True(records.TryGetHeader(Key, out var conflicted));
            Assert.Equal(RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves | RecordFlags.FromSync, conflicted.Flags);
            Assert.Equal(3, (await records.ReadAsync(Key))!.Payload.Span[0]); // format 3: winner rev only in the header

            // Resolve by deleting the losing branch: no live conflict any more, but a leaf besides the winner.
            var loser = stored!.Leaves[1];
            var (resolved, after) = await replica.MergeAsync(Key, "x", [Child(loser, null)], pending: false);
            Assert.Equal(MergeResult.Accepted, resolved);
            Assert.True(records.TryGetHeader(Key, out var header));
            Assert.Equal(RecordFlags.HasOtherLeaves | RecordFlags.FromSync, header.Flags);
            tag = after!.LeavesTag!;
            Assert.Equal([$"{Key} {stored.Winner.Rev}", $"{Key} {stored.Winner.Rev}"], written);
            await records.CompactAsync();
        }

        await using var reopened = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false));
        Assert.True(reopened.TryGetHeader(Key, out var again));
        Assert.Equal(RecordFlags.HasOtherLeaves | RecordFlags.FromSync, again.Flags);
        Assert.True(ReplicaStore.HasOtherLeaves(again.Flags));
        var read = await new ReplicaStore(reopened, "test").ReadAsync(Key, "x");
        Assert.Equal(tag, read!.LeavesTag);
        Assert.Equal(2, read.Leaves.Count);
    }

    [Fact]
    public async Task Format_1_records_of_earlier_mirrors_still_read_and_are_rewritten_in_format_3()
    {
        using var dir = new TempDirectory();
        await using var records = await RecordStore.OpenAsync(dir.Path, Small());
        var a1 = Child(null, """{"v":1}""");
        var old = DocumentRecord.Create("x", [a1]);
        // What a mirror wrote before: the winner's revision inside the payload, flags without HasOtherLeaves.
        await records.WriteAsync(new StoredRecord(Key, a1.Rev, RecordFlags.None, LegacyRecordPayload.Encode(old, omitWinnerRevision: false)));
        var replica = new ReplicaStore(records, "test");
        Assert.Equal(Describe(old), Describe(await replica.ReadAsync(Key, "x")));

        var a2 = Child(a1, """{"v":2}""");
        var (merged, _) = await replica.MergeAsync(Key, "x", [a2], pending: false);
        Assert.Equal(MergeResult.Accepted, merged);
        Assert.Equal(3, (await records.ReadAsync(Key))!.Payload.Span[0]);
        Assert.Equal(Describe(DocumentRecord.Create("x", [a2])), Describe(await replica.ReadAsync(Key, "x")));
    }

    [Fact]
    public async Task A_conditional_write_checks_the_version_and_a_merge_underneath_moves_it()
    {
        using var dir = new TempDirectory();
        await using var records = await RecordStore.OpenAsync(dir.Path, Small());
        var replica = new ReplicaStore(records, "test");
        var a1 = Child(null, """{"v":1}""");
        var first = DocumentRecord.Create("x", [a1]);

        var (written, v1) = await replica.WriteIfAsync(Key, first, expectedVersion: 0);
        Assert.True(written);
        Assert.NotEqual(0UL, v1);
        Assert.Equal(v1, replica.VersionOf(Key));
        var (stored, readVersion) = await replica.ReadVersionAsync(Key, "x");
        Assert.Equal((Describe(first), v1), (Describe(stored), readVersion));

        // Someone who read nothing (or an older version) is refused and nothing changes.
        var blind = DocumentRecord.Create("x", [Child(null, """{"v":"blind"}""")]);
        Assert.Equal((false, v1), await replica.WriteIfAsync(Key, blind, expectedVersion: 0));
        Assert.Equal(Describe(first), Describe(await replica.ReadAsync(Key, "x")));

        // Replication merging underneath (no version check) moves the version, so the grain's next write re-reads.
        await replica.MergeAsync(Key, "x", [Child(a1, """{"v":2}""")], pending: false);
        ulong v2 = replica.VersionOf(Key);
        Assert.True(v2 > v1);
        Assert.Equal((false, v2), await replica.WriteIfAsync(Key, first, expectedVersion: v1));

        // Clearing makes the key absent (version 0); a first write may follow.
        Assert.Equal((true, 0UL), await replica.WriteIfAsync(Key, null, expectedVersion: v2));
        Assert.Null(await replica.ReadAsync(Key, "x"));
        Assert.Equal(0UL, replica.VersionOf(Key));
        Assert.True((await replica.WriteIfAsync(Key, first, expectedVersion: 0)).Written);
    }

    [Fact]
    public async Task Opaque_state_keeps_its_bytes_and_versions()
    {
        using var dir = new TempDirectory();
        await using var records = await RecordStore.OpenAsync(dir.Path, Small());
        var replica = new ReplicaStore(records, "test");
        Assert.Equal((null, 0UL), await replica.ReadStateAsync("idx/db/1"));
        var (written, version) = await replica.WriteStateIfAsync("idx/db/1", new byte[] { 1, 2, 3 }, 0);
        Assert.True(written);
        var (payload, read) = await replica.ReadStateAsync("idx/db/1");
        Assert.Equal([1, 2, 3], payload!.Value.ToArray());
        Assert.Equal(version, read);
        Assert.Equal((true, 0UL), await replica.WriteStateIfAsync("idx/db/1", ReadOnlyMemory<byte>.Empty, version));
        Assert.Equal((null, 0UL), await replica.ReadStateAsync("idx/db/1"));
    }

    [Fact]
    public async Task Cleared_keys_are_not_counted_as_records_from_the_log_from_segments_and_after_reopening()
    {
        // The mynosql.records gauge and the mirror's "opened with N keys" line read Count: a copy the rebalancer dropped
        // (a cleared key) is no record there, a tombstone is.
        using var dir = new TempDirectory();
        var deleted = DocumentRecord.Create("t", [Child(null, null)]);
        await using (var records = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            var replica = new ReplicaStore(records, "test");
            var versions = new ulong[10];
            for (int i = 0; i < 10; i++)
                (_, versions[i]) = await replica.WriteIfAsync($"record/rec/db/{i}", DocumentRecord.Create($"{i}", [Child(null, """{"v":1}""")]), 0);
            await replica.WriteIfAsync("record/rec/db/t", deleted, 0);
            for (int i = 0; i < 4; i++) Assert.True((await replica.WriteIfAsync($"record/rec/db/{i}", null, versions[i])).Written);
            Assert.Equal(7, records.Count); // 6 records and the tombstone
            await records.CompactAsync(); // cleared keys now in segments
            Assert.True((await replica.WriteIfAsync("record/rec/db/4", null, versions[4])).Written); // and one in the log
            Assert.Equal(6, records.Count);
            // A cleared key written again is a record again.
            Assert.True((await replica.WriteIfAsync("record/rec/db/0", DocumentRecord.Create("0", [Child(null, """{"v":2}""")]), 0)).Written);
            Assert.Equal(7, records.Count);
        }

        await using var reopened = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false));
        Assert.Equal(7, reopened.Count);
    }

    private sealed class Recorder(Action<ReplicaWrite> onWritten) : IReplicaObserver
    {
        public void OnWritten(in ReplicaWrite write) => onWritten(write);
    }
}
