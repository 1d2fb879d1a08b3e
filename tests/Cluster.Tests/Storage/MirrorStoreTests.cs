using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MyNoSql.Cluster.Tests.Support;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyNoSql.Cluster.Tests.Storage;

/// <summary>
/// The mirror's store as the record grains and replication use it: a record state goes to disk in the one record
/// format with its flags taken from the record, ETags are version stamps that replication underneath moves, and a
/// store written by an earlier version (format 1, no HasOtherLeaves on disk) opens with the right index.
/// </summary>
public sealed class MirrorStoreTests : IDisposable
{
    private const string Database = "mirrordb";
    private readonly TempDirectory _dir = new("mynosql-mirrorstore-");
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    public void Dispose() => _dir.Dispose();

    private static RevisionLeaf Child(RevisionLeaf? parent, string? json) =>
        RevisionLeaf.Child(parent, json is null, json is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(json));

    /// <summary>A record whose only losing branch was resolved by deleting it.</summary>
    private static DocumentRecord Resolved(string id)
    {
        var a1 = Child(null, """{"v":1}""");
        var b2 = Child(a1, """{"v":"b"}""");
        var c2 = Child(a1, """{"v":"c"}""");
        var winner = b2.Rev > c2.Rev ? b2 : c2;
        var loser = ReferenceEquals(winner, b2) ? c2 : b2;
        var record = DocumentRecord.Create(id, [winner, Child(loser, null)]);
        Assert.False(record.HasConflicts);
        Assert.True(record.HasOtherLeaves);
        return record;
    }

    private Task<MirrorStore> OpenAsync() =>
        MirrorStore.OpenAsync(_dir.Path, new StoreOptions { ShardCount = 2, Name = "test" }, CancellationToken.None);

    [Fact]
    public async Task A_record_state_is_stored_in_format_2_with_its_flags_and_indexed_without_decoding_again()
    {
        var host = new MirrorStoreHost(Microsoft.Extensions.Options.Options.Create(new LzmaShardStorageOptions { Directory = _dir.Path }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MirrorStoreHost>.Instance);
        await host.StartAsync(CancellationToken.None);
        var storage = new LzmaShardGrainStorage(host, _serializer);
        var record = Resolved("x");
        var grain = GrainId.Create(MirrorKeys.RecordGrainType, $"{Database}/x");
        var state = new GrainState<RecordState>(new RecordState(record));
        await storage.WriteStateAsync(MirrorKeys.RecordStateName, grain, state);
        Assert.NotNull(state.ETag);

        var store = await host.Store;
        var entry = IndexEntry(store, "x");
        Assert.Equal((record.Winner.Rev.ToString(), record.LeavesTag), (entry.Rev, entry.Conflicts));

        // Replication merging underneath moves the ETag: the grain's next write is refused and it re-reads.
        var newer = Child(record.Winner, """{"v":"newer"}""");
        Assert.Equal(MergeResult.Accepted, await store.MergeAsync(Database, "x", newer));
        var late = new GrainState<RecordState>(new RecordState(record)) { ETag = state.ETag };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(MirrorKeys.RecordStateName, grain, late));
        var reread = new GrainState<RecordState>(new RecordState());
        await storage.ReadStateAsync(MirrorKeys.RecordStateName, grain, reread);
        var current = reread.State!.Record!;
        Assert.Equal(newer.Rev, current.Winner.Rev);
        Assert.NotEqual(state.ETag, reread.ETag);
        var newest = DocumentRecord.Create("x", [Child(current.Winner, """{"v":"newest"}"""), .. current.Leaves.Skip(1)]);
        reread.State = new RecordState(newest);
        await storage.WriteStateAsync(MirrorKeys.RecordStateName, grain, reread);
        await host.StopAsync(CancellationToken.None);

        // On disk: the one record format (winner's revision only in the header) and the flags of the record.
        await using var records = await RecordStore.OpenAsync(_dir.Path, new StoreOptions { Name = "test" });
        var stored = (await records.ReadAsync(MirrorKeys.Record(Database, "x")))!;
        Assert.Equal(3, stored.Payload.Span[0]); // format 3 (issue 13: stamps, kinds, history)
        Assert.Equal((newest.Winner.Rev, RecordFlags.HasOtherLeaves), (stored.Revision, stored.Flags));
    }

    [Fact]
    public async Task A_store_from_an_earlier_version_is_reflagged_once_and_indexes_resolved_branches()
    {
        var record = Resolved("old");
        string key = MirrorKeys.Record(Database, "old");
        await using (var records = await RecordStore.OpenAsync(_dir.Path, new StoreOptions { ShardCount = 2, Name = "test" }))
        {
            // As mirrors wrote it before: format 1 (winner inside the payload), HasOtherLeaves stripped.
            await records.WriteAsync(new StoredRecord(key, record.Winner.Rev, RecordFlags.None, record.Encode()));
            await records.WriteAsync(new StoredRecord(MirrorKeys.Record(Database, "plain"), Child(null, "{}").Rev, RecordFlags.None, DocumentRecord.Create("plain", [Child(null, "{}")]).Encode()));
        }

        await using (var store = await OpenAsync())
        {
            Assert.Equal(1, store.Reflagged);
            Assert.True(File.Exists(Path.Combine(_dir.Path, MirrorStore.LeafFlagsMarker)));
            Assert.Equal(record.LeavesTag, IndexEntry(store, "old").Conflicts);
            Assert.Null(IndexEntry(store, "plain").Conflicts);
            Assert.Equal(record.Leaves.Count, (await store.ReadRecordAsync(Database, "old"))!.Leaves.Count);
        }

        await using var again = await OpenAsync();
        Assert.Equal(0, again.Reflagged);
        Assert.Equal(record.LeavesTag, IndexEntry(again, "old").Conflicts);
    }

    [Fact]
    public void A_record_state_serializes_its_record_for_providers_that_store_bytes()
    {
        var record = Resolved("s");
        var copy = _serializer.Deserialize<RecordState>(_serializer.SerializeToArray(new RecordState(record)))!;
        Assert.Null(copy.Record);
        var decoded = RecordCodec.Decode("test", "s", copy.Payload!);
        Assert.Equal(record.Leaves.Select(l => (l.Rev, l.Deleted)), decoded.Leaves.Select(l => (l.Rev, l.Deleted)));
    }

    private static MyNoSql.Grains.IndexEntryInfo IndexEntry(MirrorStore store, string id) =>
        store.Index.Entries(Database, MyNoSql.Storage.Index.IndexSegment.SegmentOf(id)).Single(e => e.Id == id);
}
