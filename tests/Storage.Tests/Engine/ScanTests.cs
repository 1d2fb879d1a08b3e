using System.Text;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>
/// <see cref="RecordStore.Scan"/> against per-key reads: exactly the current version (live or deleted) of every key,
/// once, from logs, segments, both, after segment rewrites and reopening; prefix and sequence filters; the snapshot
/// guarantee with writes and compaction during the scan; damaged blocks named by file and offset.
/// </summary>
public class ScanTests
{
    private sealed record Seen(ulong Sequence, string Revision, RecordFlags Flags, string Payload);

    private static Dictionary<string, Seen> Scan(RecordStore store, string prefix = "", ulong after = 0, Action<string>? during = null)
    {
        var seen = new Dictionary<string, Seen>(StringComparer.Ordinal);
        for (int shard = 0; shard < store.ShardCount; shard++)
        {
            long count = store.Scan(shard, (in RecordHeader h, ReadOnlyMemory<byte> payload) =>
            {
                Assert.True(seen.TryAdd(h.Key, new Seen(h.Sequence, h.Revision.ToString(), h.Flags, Encoding.UTF8.GetString(payload.Span))), $"'{h.Key}' visited twice");
                Assert.Equal(shard, store.ShardOf(h.Key));
                during?.Invoke(h.Key);
            }, prefix, after);
            Assert.Equal(seen.Count(s => store.ShardOf(s.Key) == shard), count);
        }
        return seen;
    }

    private static async Task<Dictionary<string, Seen>> ReadAllAsync(RecordStore store, string prefix = "", ulong after = 0)
    {
        var expected = new Dictionary<string, Seen>(StringComparer.Ordinal);
        foreach (var header in store.List(prefix))
        {
            if (header.Sequence <= after) continue;
            var record = (await store.ReadAsync(header.Key))!;
            expected[header.Key] = new Seen(record.Sequence, record.Revision.ToString(), record.Flags, Text(record));
        }
        return expected;
    }

    private static async Task AssertSameAsync(RecordStore store, string prefix = "", ulong after = 0)
    {
        var expected = await ReadAllAsync(store, prefix, after);
        var actual = Scan(store, prefix, after);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), actual.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    private static async Task WriteAsync(RecordStore store, Random r, int keys, int version)
    {
        var batch = new List<StoredRecord>();
        for (int i = 0; i < keys; i++)
        {
            if (r.Next(3) != 0) continue;
            string key = (i % 2 == 0 ? "a/" : "b/") + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
            batch.Add(Record(key, version, r.Next(5) == 0 ? RecordFlags.Deleted : r.Next(4) == 0 ? RecordFlags.Pending : RecordFlags.None, r.Next(10, 400)));
        }
        await store.WriteBatchAsync(batch);
    }

    [Fact]
    public async Task Yields_exactly_the_current_versions_from_logs_segments_both_rewrites_and_after_reopening()
    {
        using var dir = new TempDirectory();
        var r = new Random(3);
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
        {
            await AssertSameAsync(store); // empty
            for (int v = 1; v <= 3; v++) await WriteAsync(store, r, 600, v);
            await AssertSameAsync(store); // logs only
            await store.CompactAsync();
            await AssertSameAsync(store); // segments only
            for (int v = 4; v <= 6; v++)
            {
                await WriteAsync(store, r, 600, v);
                await AssertSameAsync(store); // mixed
                await store.CompactAsync();    // mostly superseded segments get rewritten
                await AssertSameAsync(store);
            }
            await store.ClearPendingAsync([.. store.ListPending().Take(50).Select(h => (h.Key, h.Revision))]);
            await WriteAsync(store, r, 600, 7);
            await AssertSameAsync(store);
            await AssertSameAsync(store, "b/");
            await AssertSameAsync(store, "a/00");
            await AssertSameAsync(store, "none/");
            ulong middle = store.List().Where(h => store.ShardOf(h.Key) == 0).Select(h => h.Sequence).Order().ElementAt(150);
            await AssertSameAsync(store, "", middle); // the catch-up form: only keys changed after a sequence
            Assert.InRange(Scan(store, "", middle).Count, 1, store.List().Count - 1);
            Assert.True(Files(dir.Path, "*.lzs").Length > 0 && Files(dir.Path, "*.wal").Length > 0);
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(sealOnClose: false)))
            await AssertSameAsync(store);
    }

    [Fact]
    public async Task A_scan_sees_its_snapshot_while_keys_are_rewritten_sealed_and_their_segments_rewritten()
    {
        using var dir = new TempDirectory();
        var r = new Random(5);
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 2));
        for (int v = 1; v <= 2; v++) await WriteAsync(store, r, 800, v);
        await store.CompactAsync();
        await WriteAsync(store, r, 800, 3); // some in segments, some in logs
        var before = await ReadAllAsync(store);
        var triggered = new bool[store.ShardCount];
        // On the first record of each shard's scan: rewrite every key, seal all logs, rewrite the (now fully
        // superseded) segments. Their files are deleted; the scan still reads its snapshot.
        var seen = Scan(store, during: key =>
        {
            int shard = store.ShardOf(key);
            if (triggered[shard]) return;
            triggered[shard] = true;
            var batch = store.List().Select(h => Record(h.Key, 10 + shard, RecordFlags.None, 77)).ToList();
            store.WriteBatchAsync(batch).AsTask().GetAwaiter().GetResult();
            store.CompactAsync().GetAwaiter().GetResult();
        });
        // Exactly the versions current when each shard's scan started: for shard 0 that is `before`; for shard 1
        // the rewrites made during shard 0's scan are already in (each version ≥ the one before the scan).
        foreach (var (key, version) in before)
        {
            Assert.True(seen.TryGetValue(key, out var s), key);
            if (store.ShardOf(key) == 0) Assert.Equal(version, s);
            else Assert.True(s.Sequence >= version.Sequence);
            var now = (await store.ReadAsync(key))!;
            Assert.True(now.Sequence > s.Sequence); // the visited version was replaced during the scan
            Assert.StartsWith($"{{\"key\":\"{key}\",", s.Payload, StringComparison.Ordinal);
        }
        Assert.Equal(before.Count, seen.Count);
        Assert.All(triggered, Assert.True);
    }

    [Fact]
    public async Task Concurrent_writers_and_compaction_never_make_a_scan_miss_or_repeat_a_key()
    {
        using var dir = new TempDirectory();
        var r = new Random(9);
        await using var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 2, background: true, logThreshold: 16 << 10));
        for (int v = 1; v <= 2; v++) await WriteAsync(store, r, 1000, v);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var w = new Random(1);
            for (int v = 100; !stop.IsCancellationRequested; v++)
            {
                var batch = Enumerable.Range(0, 20)
                    .Select(_ => "a/" + (2 * w.Next(500)).ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).Distinct()
                    .Select(key => Record(key, v, RecordFlags.None, w.Next(10, 300))).ToList();
                await store.WriteBatchAsync(batch);
            }
        });
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            for (int round = 0; round < 20 || (store.GetStatistics().Seals < 3 && DateTime.UtcNow < deadline); round++)
            {
                var headers = store.List().ToDictionary(h => h.Key, h => h.Sequence, StringComparer.Ordinal);
                var seen = Scan(store);
                foreach (var (key, sequence) in headers)
                {
                    // Snapshot taken after `headers`: never older, and the payload is that version's.
                    Assert.True(seen.TryGetValue(key, out var s) && s.Sequence >= sequence, key);
                    Assert.StartsWith($"{{\"key\":\"{key}\",", s.Payload, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }
        Assert.True(store.GetStatistics().Seals > 0); // compaction ran while scans did
    }

    [Fact]
    public async Task A_damaged_block_is_reported_with_its_file_and_offset()
    {
        using var dir = new TempDirectory();
        var r = new Random(7);
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1)))
            for (int v = 1; v <= 2; v++) await WriteAsync(store, r, 600, v);
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        using (var file = File.OpenHandle(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            var b = new byte[1];
            long at = SegmentFormat.HeaderSize + SegmentFormat.BlockHeaderSize + 20;
            RandomAccess.Read(file, b, at);
            b[0] ^= 0x5A;
            RandomAccess.Write(file, b, at);
        }
        await using (var store = await RecordStore.OpenAsync(dir.Path, Small(shards: 1)))
        {
            var e = Assert.Throws<CorruptDataException>(() => store.Scan(0, (in RecordHeader _, ReadOnlyMemory<byte> _) => { }));
            Assert.Equal(segment, e.FilePath);
            Assert.Equal(SegmentFormat.HeaderSize, e.Offset);
        }
    }
}
