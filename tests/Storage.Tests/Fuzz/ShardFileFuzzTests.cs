using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MyNoSql.Storage.Tests.Fuzz;

/// <summary>
/// Real shard files (sealed LZMA segments with their Brotli index, a log of crc32c frames, both manifests) are
/// copied and damaged by seeded mutations, then opened and every record read. Allowed outcomes: a
/// <see cref="CorruptDataException"/> naming a file of the store and an offset inside it, or clean reads. A record
/// whose file was not touched reads its latest version exactly; a record in the damaged file reads a version that
/// was really written (a dropped torn tail leaves an older one), is absent only if the log alone held it, or is
/// reported corrupt. Never another exception, a hang or a huge allocation.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ShardFileFuzzTests(ITestOutputHelper output)
{
    private const string InLog = "log";
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);
    private const long MaxAllocatedPerCase = 1L << 30;

    private sealed record Version(Revision Rev, byte[] Payload, RevisionLeaf Leaf);

    /// <summary>What the undamaged store holds: every version of every key, and the file holding each key's latest.</summary>
    private sealed class Golden
    {
        public Dictionary<string, List<Version>> History { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Holder { get; } = new(StringComparer.Ordinal);
        public List<string> Files { get; } = [];
    }

    private static StoreOptions Options => new()
    {
        ShardCount = 1,
        BackgroundCompaction = false,
        SealOnClose = false,
        BlockSize = 4096,
        LzmaDictionarySize = 64 << 10,
        LzmaFastBytes = 16,
        BlockCacheBytes = 1 << 20,
        LogSealThresholdBytes = 16 << 20,
        DedicatedCommitThreads = false,
    };

    [Fact]
    public async Task Mutated_shard_files_give_corruption_errors_or_correct_records_never_a_crash_or_a_hang()
    {
        int seed = FuzzSettings.Seed(output, "shard-file fuzz");
        int cases = FuzzSettings.Cases(500);
        using var root = new Engine.TempDirectory();
        string golden = Path.Combine(root.Path, "golden");
        var state = await BuildAsync(golden);
        output.WriteLine($"golden store: {string.Join(", ", state.Files.Select(f => $"{f} ({new FileInfo(Path.Combine(golden, f)).Length} B)"))}");

        var random = new Random(seed);
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            string dir = Path.Combine(root.Path, $"case-{i}");
            CopyDirectory(golden, dir);
            string target = PickTarget(random, state.Files);
            string file = Path.Combine(dir, target);
            var bytes = File.ReadAllBytes(file);
            var what = new List<string>();
            int rounds = random.Next(4) == 0 ? 2 : 1;
            for (int r = 0; r < rounds; r++)
                what.Add(target.EndsWith(".lzs", StringComparison.Ordinal) && random.Next(6) == 0 ? SwapBlocks(random, bytes) : Mutator.Mutate(random, ref bytes));
            File.WriteAllBytes(file, bytes);
            string label = $"seed {seed} case {i}: {target} {string.Join("; ", what)}";

            long allocated = GC.GetTotalAllocatedBytes();
            var check = Task.Run(() => CheckAsync(dir, target, state, label));
            if (await Task.WhenAny(check, Task.Delay(CaseTimeout)) != check)
                throw new XunitException($"Hang: {label} did not finish within {CaseTimeout}.");
            string outcome = await check;
            long used = GC.GetTotalAllocatedBytes() - allocated;
            Assert.True(used < MaxAllocatedPerCase, $"{label}: allocated {used >> 20} MiB.");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            Directory.Delete(dir, recursive: true);
        }
        output.WriteLine($"{cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        // The mutations must reach both outcomes, or the test checks less than it claims.
        Assert.Contains(outcomes.Keys, k => k.StartsWith("open failed", StringComparison.Ordinal));
        Assert.Contains(outcomes.Keys, k => k.StartsWith("opened", StringComparison.Ordinal));
    }

    private static async Task<string> CheckAsync(string dir, string target, Golden state, string label)
    {
        RecordStore store;
        try
        {
            store = await RecordStore.OpenAsync(dir, Options);
        }
        catch (CorruptDataException e)
        {
            AssertNames(e, dir, label);
            return "open failed (corrupt)";
        }
        catch (Exception e)
        {
            throw new XunitException($"Open threw {e.GetType().Name} instead of CorruptDataException: {label}\n{e}");
        }
        int corruptReads = 0, olderReads = 0;
        await using (store)
        {
            foreach (var (key, versions) in state.History)
            {
                string holder = state.Holder[key];
                bool mayBeAny = holder == target || IsLog(target) && holder == InLog;
                StoredRecord? read;
                try
                {
                    read = await store.ReadAsync(key);
                }
                catch (CorruptDataException e)
                {
                    AssertNames(e, dir, label);
                    if (!mayBeAny) throw new XunitException($"Record '{key}' in an untouched file read as corrupt: {label}\n{e}");
                    corruptReads++;
                    continue;
                }
                catch (Exception e)
                {
                    throw new XunitException($"Reading '{key}' threw {e.GetType().Name} instead of CorruptDataException: {label}\n{e}");
                }
                var latest = versions[^1];
                if (read is null)
                {
                    if (!(mayBeAny && holder == InLog))
                        throw new XunitException($"Record '{key}' vanished: {label}");
                    olderReads++;
                    continue;
                }
                var match = versions.FindLast(v => v.Rev == read.Revision && v.Payload.AsSpan().SequenceEqual(read.Payload.Span))
                    ?? throw new XunitException($"Record '{key}' read as rev {read.Revision} with bytes never written: {label}");
                if (!ReferenceEquals(match, latest))
                {
                    if (!mayBeAny) throw new XunitException($"Record '{key}' in an untouched file read an older version: {label}");
                    olderReads++;
                }
                var decoded = DocumentRecord.Decode(key, read.Payload, read.Revision);
                Assert.True(decoded.Winner.Body.Span.SequenceEqual(match.Leaf.Body.Span), $"'{key}' body differs: {label}");
            }
            foreach (var header in store.List())
            {
                if (!state.History.TryGetValue(header.Key, out var versions) || !versions.Exists(v => v.Rev == header.Revision))
                    throw new XunitException($"List() gives '{header.Key}' at {header.Revision}, never written: {label}");
            }
        }
        return corruptReads > 0 ? "opened, some records corrupt" : olderReads > 0 ? "opened, log tail dropped" : "opened, all intact";
    }

    /// <summary>Swaps two whole LZMA blocks of a segment (each keeps a valid crc of its own).</summary>
    private static string SwapBlocks(Random random, byte[] data)
    {
        if (data.Length < 48) return "no blocks";
        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(data.Length - 40));
        if (indexOffset < 8 || indexOffset > data.Length - 40) return "no block table (footer already damaged)";
        var blocks = new List<(int Start, int Size)>();
        for (long pos = 8; pos + 17 <= indexOffset && pos < data.Length - 17;)
        {
            int size = 17 + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan((int)pos));
            if (size < 17 || pos + size > indexOffset) break;
            blocks.Add(((int)pos, size));
            pos += size;
        }
        if (blocks.Count < 2) return "fewer than two blocks";
        int a = random.Next(blocks.Count - 1), b = random.Next(a + 1, blocks.Count);
        var (sa, na) = blocks[a];
        var (sb, nb) = blocks[b];
        var rebuilt = new List<byte>(data.Length);
        rebuilt.AddRange(data.AsSpan(0, sa).ToArray());
        rebuilt.AddRange(data.AsSpan(sb, nb).ToArray());
        rebuilt.AddRange(data.AsSpan(sa + na, sb - sa - na).ToArray());
        rebuilt.AddRange(data.AsSpan(sa, na).ToArray());
        rebuilt.AddRange(data.AsSpan(sb + nb).ToArray());
        rebuilt.CopyTo(data);
        return $"swapped blocks {a} ({na} B) and {b} ({nb} B)";
    }

    private static bool IsLog(string file) => file.EndsWith(".wal", StringComparison.Ordinal);

    private static void AssertNames(CorruptDataException e, string dir, string label)
    {
        Assert.True(e.FilePath.StartsWith(dir, StringComparison.Ordinal), $"{label}: the error names '{e.FilePath}', not a file of the store.\n{e}");
        long length = File.Exists(e.FilePath) ? new FileInfo(e.FilePath).Length : 0;
        Assert.True(e.Offset >= 0 && e.Offset <= Math.Max(length, 1L << 20), $"{label}: offset {e.Offset} outside '{e.FilePath}' ({length} B).\n{e}");
        Assert.Contains(e.FilePath, e.Message, StringComparison.Ordinal);
    }

    private static string PickTarget(Random random, List<string> files)
    {
        int roll = random.Next(100);
        var segments = files.Where(f => f.EndsWith(".lzs", StringComparison.Ordinal)).ToList();
        var logs = files.Where(IsLog).ToList();
        var manifests = files.Except(segments).Except(logs).ToList();
        var pool = roll < 50 ? segments : roll < 88 ? logs : manifests;
        return pool[random.Next(pool.Count)];
    }

    /// <summary>One shard: two sealed segments (phase 1, phase 2) and a log (phase 3), several blocks each.</summary>
    private static async Task<Golden> BuildAsync(string dir)
    {
        var state = new Golden();
        var segmentOf = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var store = await RecordStore.OpenAsync(dir, Options))
        {
            await WriteAsync(store, state, Enumerable.Range(0, 200).Select(i => $"/k/{i:D3}"), phase: 1);
            await store.CompactAsync();
            await WriteAsync(store, state, Enumerable.Range(0, 50).Select(i => $"/k/{i:D3}").Concat(Enumerable.Range(0, 60).Select(i => $"n{i:D2}")), phase: 2);
            await store.CompactAsync();
            await WriteAsync(store, state, Enumerable.Range(50, 20).Select(i => $"/k/{i:D3}").Concat(Enumerable.Range(0, 10).Select(i => $"n{i:D2}"))
                .Concat(Enumerable.Range(0, 40).Select(i => $"p{i:D2}")), phase: 3);
            Assert.Equal(2, store.Shards[0].SegmentCount);
        }
        state.Files.AddRange(Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f)).Where(f => f != "store.lock").Order(StringComparer.Ordinal));
        var segments = state.Files.Where(f => f.EndsWith(".lzs", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, segments.Count);
        Assert.Contains(state.Files, IsLog);
        foreach (var (key, versions) in state.History)
        {
            int phase = versions[^1].Leaf.Body.Span[9] - '0'; // {"phase":N,...
            state.Holder[key] = phase == 3 ? InLog : segments[phase - 1];
        }
        return state;
    }

    private static async Task WriteAsync(RecordStore store, Golden state, IEnumerable<string> keys, int phase)
    {
        var batch = new List<StoredRecord>();
        foreach (string key in keys)
        {
            var versions = state.History.TryGetValue(key, out var v) ? v : state.History[key] = [];
            var parent = versions.Count > 0 ? versions[^1].Leaf : null;
            var body = Encoding.UTF8.GetBytes($"{{\"phase\":{phase},\"key\":\"{key}\",\"reading\":{key.Length * 17 + phase},\"pad\":\"{Pad(key, phase)}\"}}");
            var leaf = RevisionLeaf.Child(parent, deleted: false, body);
            var payload = DocumentRecord.Create(key, [leaf]).Encode(omitWinnerRevision: true);
            versions.Add(new Version(leaf.Rev, payload, leaf));
            batch.Add(new StoredRecord(key, leaf.Rev, RecordFlags.None, payload));
        }
        await store.WriteBatchAsync(batch);
    }

    /// <summary>Half repetitive, half hex noise: blocks compress like real JSON and dominate the segment's bytes.</summary>
    private static string Pad(string key, int phase)
    {
        var noise = new Random(key.Sum(c => c) * 31 + phase); // stable across processes, so a seed replays exactly
        var hex = new StringBuilder(new string((char)('a' + phase), 60));
        for (int i = 0; i < 60; i++) hex.Append("0123456789abcdef"[noise.Next(16)]);
        return hex.ToString();
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
