using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using static MyNoSql.Storage.Tests.Engine.EngineTestSupport;

namespace MyNoSql.Storage.Tests.Engine;

/// <summary>Segment version 4 leaves out revision hashes the payload determines (README "Segments"): every kind of
/// record the document layer stores reopens with the revisions it had, records whose payload does not give their
/// revision keep the hash, old segments read, and damage is reported with the file and offset.</summary>
public sealed class DerivedRevisionSegmentTests
{
    private static async Task<JsonObject> Save(DocumentStore store, string id, int v, JsonObject? previous = null)
    {
        var doc = new JsonObject { ["id"] = id, ["v"] = v, ["t"] = 21.5 + v };
        if (previous is not null) doc["rev"] = (string)previous["rev"]!;
        return await store.SaveAsync(doc);
    }

    /// <summary>Writes one record of each kind and returns every key's header as the directory had it before close.</summary>
    private static async Task<Dictionary<string, RecordHeader>> WriteEveryKindAsync(string dir, StoreOptions options)
    {
        await using var store = await DocumentStore.OpenAsync("db", dir, options, 1 << 20);
        for (int i = 0; i < 40; i++) await Save(store, $"plain{i:D2}", i);                      // creations
        var u = await Save(store, "updated", 1);
        u = await Save(store, "updated", 2, u);
        await Save(store, "updated", 3, u);                                                        // ancestry + history
        var d = await Save(store, "deleted", 1);
        await store.DeleteAsync("deleted", (string)d["rev"]!);                                     // tombstone winner
        await Save(store, "conflicted", 1);
        var other = RevisionLeaf.Child(null, false, Encoding.UTF8.GetBytes("{\"other\":true}"));
        await store.MergeAsync("conflicted", other, pending: false);                               // several leaves
        var p = await Save(store, "undone", 1);
        await Save(store, "undone", 2, p);
        await store.UndoAsync("undone");                                                           // pending, undo kind
        // Payloads that do not give their revision: the hash must stay in the index.
        var real = DocumentRecord.Create("liar", [RevisionLeaf.Child(null, false, Encoding.UTF8.GetBytes("{\"a\":1}"))]);
        await store.Records.WriteAsync(new StoredRecord("liar", new Revision(1, 5, 6), RecordFlags.None, real.Encode(omitWinnerRevision: true)));
        await store.Records.WriteAsync(new StoredRecord("state", Rev(2, 9), RecordFlags.Pending, Encoding.UTF8.GetBytes("grain state")));
        await store.Records.WriteAsync(new StoredRecord("cleared", default, RecordFlags.Deleted, ReadOnlyMemory<byte>.Empty));
        var headers = new Dictionary<string, RecordHeader>();
        foreach (var key in Keys)
        {
            Assert.True(store.Records.TryGetHeader(key, out var h), key);
            headers[key] = h;
        }
        return headers;
    }

    private static IEnumerable<string> Keys =>
        [.. Enumerable.Range(0, 40).Select(i => $"plain{i:D2}"), "updated", "deleted", "conflicted", "undone", "liar", "state", "cleared"];

    /// <summary>Keys per segment whose revision the index leaves out (read without recomputing them).</summary>
    private static HashSet<string> DerivedKeys(string dir)
    {
        var derived = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Files(dir, "*.lzs"))
        {
            var reader = SegmentReader.Open(file, 1, (key, rev, _, _, _, _) =>
            {
                if (!rev.IsEmpty && rev == new Revision(rev.Generation, 0, 0)) derived.Add(Encoding.UTF8.GetString(key));
            }, deriveRevisions: false);
            reader.Retire();
        }
        return derived;
    }

    private static async Task AssertReopensAsync(string dir, StoreOptions options, Dictionary<string, RecordHeader> expected)
    {
        await using var store = await DocumentStore.OpenAsync("db", dir, options, 1 << 20);
        foreach (var (key, before) in expected)
        {
            Assert.True(store.Records.TryGetHeader(key, out var after), key);
            Assert.Equal(before.Revision, after.Revision);
            Assert.Equal(before.Flags, after.Flags);
            Assert.Equal(before.Sequence, after.Sequence);
        }
        Assert.Equal(3, (int)(await store.ReadAsync("updated"))!["v"]!);
        Assert.Null(await store.ReadAsync("deleted"));
        Assert.Single(await store.GetConflictsAsync("conflicted"));
        Assert.Equal(3, (await store.GetHistoryAsync("updated")).Count);
        var record = (await store.ReadRecordAsync("conflicted"))!;
        Assert.Equal(expected["conflicted"].Revision, record.Winner.Rev);
        Assert.Equal("grain state", Encoding.UTF8.GetString((await store.Records.ReadAsync("state"))!.Payload.Span));
    }

    [Fact]
    public async Task Every_record_kind_reopens_with_its_revision_and_only_derivable_hashes_are_left_out()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 1);
        var headers = await WriteEveryKindAsync(dir.Path, options);
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        Assert.Equal(SegmentFormat.Version, File.ReadAllBytes(segment)[4]);

        var derived = DerivedKeys(dir.Path);
        string[] stored = ["liar", "state", "cleared"];
        Assert.Equal(Keys.Except(stored).Order(), derived.Order());
        await AssertReopensAsync(dir.Path, options, headers);
        // A rewrite (compaction) keeps them.
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
        {
            await store.WriteAsync(new StoredRecord("plain00", Rev(7), RecordFlags.None, Encoding.UTF8.GetBytes("x")));
            await store.CompactAsync();
        }
        headers["plain00"] = headers["plain00"] with { Revision = Rev(7) };
        await using (var store = await RecordStore.OpenAsync(dir.Path, options))
            foreach (var (key, before) in headers)
                Assert.True(store.TryGetHeader(key, out var h) && h.Revision == before.Revision, key);
    }

    [Fact]
    public async Task A_segment_in_the_old_format_reads_and_a_rewrite_turns_it_into_version_4()
    {
        using var dir = new TempDirectory();
        var old = Small(shards: 1, omitDerived: false);
        var headers = await WriteEveryKindAsync(dir.Path, old);
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        Assert.Equal(SegmentFormat.LzmaVersion, File.ReadAllBytes(segment)[4]);
        Assert.Empty(DerivedKeys(dir.Path));

        var now = Small(shards: 1);
        await AssertReopensAsync(dir.Path, now, headers);
        // Supersede most of it: the old segment falls below half live and is rewritten in version 4.
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, now, 1 << 20))
        {
            for (int i = 0; i < 30; i++)
            {
                var current = (await store.ReadAsync($"plain{i:D2}"))!;
                await Save(store, $"plain{i:D2}", 100 + i, current);
                Assert.True(store.Records.TryGetHeader($"plain{i:D2}", out var h));
                headers[$"plain{i:D2}"] = h;
            }
            await store.Records.CompactAsync();
        }
        var segments = Files(dir.Path, "*.lzs");
        Assert.DoesNotContain(segment, segments);
        Assert.All(segments, s => Assert.Equal(SegmentFormat.Version, File.ReadAllBytes(s)[4]));
        Assert.Equal(44, DerivedKeys(dir.Path).Count);
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, now, 1 << 20))
            foreach (var (key, before) in headers)
                Assert.True(store.Records.TryGetHeader(key, out var h) && h.Revision == before.Revision && h.Flags == before.Flags, key);
    }

    [Fact]
    public async Task A_damaged_block_or_index_of_a_version_4_segment_fails_the_open_naming_the_file_and_offset()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 1, blockSize: 1024);
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, options, 1 << 20))
            for (int i = 0; i < 80; i++) await Save(store, $"d{i:D2}", i);
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        var data = File.ReadAllBytes(segment);
        Assert.Equal(SegmentFormat.Version, data[4]);
        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(data.Length - SegmentFormat.FooterSize));
        int second = SegmentFormat.HeaderSize + SegmentFormat.BlockHeaderSize + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(SegmentFormat.HeaderSize));
        Assert.True(second < indexOffset, "needs two blocks");
        data[second + SegmentFormat.BlockHeaderSize + 3] ^= 0x5A;
        File.WriteAllBytes(segment, data);

        // Its records' revisions cannot be recomputed: the open fails, naming the file and the block.
        var blockError = await Assert.ThrowsAsync<CorruptDataException>(async () => await DocumentStore.OpenAsync("db", dir.Path, options, 1 << 20));
        Assert.Equal(segment, blockError.FilePath);
        Assert.Equal(second, blockError.Offset);

        // A damaged index names the file and the index offset at open.
        data = File.ReadAllBytes(segment);
        data[second + SegmentFormat.BlockHeaderSize + 3] ^= 0x5A;
        data[indexOffset + 5] ^= 0x5A;
        File.WriteAllBytes(segment, data);
        var error = await Assert.ThrowsAsync<CorruptDataException>(async () => await DocumentStore.OpenAsync("db", dir.Path, options, 1 << 20));
        Assert.Equal(segment, error.FilePath);
        Assert.Equal(indexOffset, error.Offset);
    }

    [Fact]
    public async Task A_payload_that_no_longer_gives_the_stored_generation_fails_the_open_with_file_and_offset()
    {
        using var dir = new TempDirectory();
        var options = Small(shards: 1, blockSize: 1024);
        await using (var store = await DocumentStore.OpenAsync("db", dir.Path, options, 1 << 20))
            for (int i = 0; i < 20; i++) await Save(store, $"d{i:D2}", i);
        string segment = Assert.Single(Files(dir.Path, "*.lzs"));
        // Re-encode the index (valid Brotli and crc) with the first record's generation 1 → 2: only the derivation can tell.
        var data = File.ReadAllBytes(segment);
        int footer = data.Length - SegmentFormat.FooterSize;
        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(footer));
        int indexLength = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(footer + 8));
        var raw = new MemoryStream();
        using (var brotli = new System.IO.Compression.BrotliStream(new MemoryStream(data, (int)indexOffset, indexLength), System.IO.Compression.CompressionMode.Decompress))
            brotli.CopyTo(raw);
        var index = raw.ToArray();
        int pos = 0;
        int blocks = index[pos++];
        for (int b = 0; b < blocks; b++) while ((index[pos++] & 0x80) != 0) { }
        while ((index[pos++] & 0x80) != 0) { } // record count
        Assert.Equal(0, index[pos++]);          // shared prefix of the first key
        int suffix = index[pos++];
        pos += suffix;
        Assert.Equal(1, index[pos]);            // generation
        index[pos] = 2;
        Assert.NotEqual(0, index[pos + 1] & SegmentFormat.DerivedRevisionFlag);
        var compressed = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(index.Length)];
        Assert.True(System.IO.Compression.BrotliEncoder.TryCompress(index, compressed, out int written, 5, 22));
        var rebuilt = new byte[indexOffset + written + SegmentFormat.FooterSize];
        data.AsSpan(0, (int)indexOffset).CopyTo(rebuilt);
        compressed.AsSpan(0, written).CopyTo(rebuilt.AsSpan((int)indexOffset));
        var f = rebuilt.AsSpan((int)indexOffset + written);
        data.AsSpan(footer, SegmentFormat.FooterSize).CopyTo(f);
        BinaryPrimitives.WriteInt32LittleEndian(f[8..], written);
        BinaryPrimitives.WriteUInt32LittleEndian(f[16..], MyNoSql.Storage.IO.Crc.Compute(compressed.AsSpan(0, written)));
        BinaryPrimitives.WriteUInt32LittleEndian(f[36..], MyNoSql.Storage.IO.Crc.Compute(f[..36]));
        File.WriteAllBytes(segment, rebuilt);

        var error = await Assert.ThrowsAsync<CorruptDataException>(async () => await RecordStore.OpenAsync(dir.Path, options));
        Assert.Equal(segment, error.FilePath);
        Assert.Equal(SegmentFormat.HeaderSize, error.Offset);
        Assert.Contains("does not give the record's revision", error.Message, StringComparison.Ordinal);
    }
}
