using System.Buffers.Binary;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Index;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>A push answer for one leaf, as the gateway gives it.</summary>
internal sealed record LeafStatus(string Id, string Rev, string Status);

/// <summary>
/// A simulated mirror built from the code the grains share: a <see cref="DocumentStore"/> in its own folder (real
/// files) merging with <see cref="DocumentStore.MergeLeavesAsync"/> (<see cref="DocumentRules"/>), 64
/// <see cref="IndexSegment"/>s rebuilt from the store under fresh epochs at every start (as an index segment grain
/// re-activates), the gateway's changes paging and poll, <see cref="RecordBatch"/> push and fetch, and the record
/// grain's accept rule (verify, merge, index, replicate to a write quorum). Not thread-safe: the world calls it
/// one step at a time.
/// </summary>
internal sealed class SimMirror(int number, string directory, SimOptions options)
{
    public const string Database = "sim";
    // What peers pull (IndexSegmentGrain: winner and conflicts tag) and what anti-entropy compares (LocalIndex).
    private readonly IndexSegment[] _segments = new IndexSegment[IndexSegment.Count];
    private readonly IndexSegment[] _local = new IndexSegment[IndexSegment.Count];
    private readonly long[] _epochs = new long[IndexSegment.Count];

    public int Number { get; } = number;

    public string Name => $"m{Number}";

    public string Directory { get; } = directory;

    public DocumentStore? Store { get; private set; }

    public bool Up => Store is not null;

    /// <summary>After a crash: the step at which the mirror comes back.</summary>
    public int RestartAtStep { get; set; } = int.MaxValue;

    public async Task OpenAsync(Func<long> nextEpoch)
    {
        var storeOptions = new StoreOptions
        {
            Name = Database,
            ShardCount = 2,
            Durability = DurabilityMode.Relaxed,
            DedicatedCommitThreads = false,
            BackgroundCompaction = false,
            SealOnClose = false,
        };
        Store = await DocumentStore.OpenAsync(Database, Directory, storeOptions, 1 << 20);
        for (int s = 0; s < _segments.Length; s++)
        {
            _segments[s] = new IndexSegment();
            _local[s] = new IndexSegment();
            _epochs[s] = nextEpoch();
        }
        foreach (var header in Store.Records.List())
        {
            var record = await Store.ReadRecordAsync(header.Key);
            if (record is not null) Index(record);
        }
    }

    /// <summary>Clean stop (end of a run) or the close after a crash copy was taken.</summary>
    public async Task CloseAsync()
    {
        if (Store is null) return;
        var store = Store;
        Store = null;
        await store.DisposeAsync();
    }

    private DocumentStore Open => Store ?? throw new InvalidOperationException($"{Name} is down");

    /// <summary>GET /sync/poll: false only when <paramref name="checkpoint"/> is this mirror's current vector.</summary>
    public bool Poll(string? checkpoint) => !string.Equals(Encode(CurrentVector()), checkpoint, StringComparison.Ordinal);

    /// <summary>GET /sync/changes: the sync grain's paging over the segments' ChangesSince (SyncGrain.GetChanges + IndexSegmentGrain).</summary>
    public (string? Checkpoint, List<IndexEntry> Entries, bool More) Changes(string? checkpoint, int limit, IReadOnlyList<string> prefixes)
    {
        var since = Decode(checkpoint);
        var next = new long[SyncCheckpoint.Length];
        var changes = new List<IndexEntry>();
        int budgetUsed = 0;
        bool more = false;
        for (int s = 0; s < IndexSegment.Count; s++)
        {
            // IndexSegmentGrain.ChangesSince: another epoch restarts at 0.
            long from = since[s * 2] == _epochs[s] ? since[s * 2 + 1] : 0;
            var page = _segments[s].ChangesSince(from, limit + 1);
            bool segmentMore = page.Count > limit;
            var entries = page.Take(limit).ToList();
            long upTo = segmentMore ? entries[^1].Sequence : _segments[s].Sequence;
            // SyncEndpoints.ChangesAsync: take what fits in the page.
            int take = Math.Min(limit - budgetUsed, entries.Count);
            budgetUsed += take;
            changes.AddRange(entries.Take(take).Where(e => prefixes.Count == 0 || prefixes.Any(p => e.Id.StartsWith(p, StringComparison.Ordinal))));
            if (take == entries.Count)
            {
                next[s * 2] = _epochs[s];
                next[s * 2 + 1] = upTo;
                more |= segmentMore;
            }
            else
            {
                more = true;
                next[s * 2] = take > 0 ? _epochs[s] : since[s * 2];
                next[s * 2 + 1] = take > 0 ? entries[take - 1].Sequence : since[s * 2 + 1];
            }
        }
        bool unchanged = changes.Count == 0 && next.AsSpan().SequenceEqual(since);
        return (unchanged ? null : Encode(next), changes, more);
    }

    /// <summary>POST /sync/push: every leaf in order through the record grain's Accept; one status per leaf.</summary>
    public async Task<List<LeafStatus>> PushAsync(byte[] batch, Func<string, RevisionLeaf, Task<bool>> replicate)
    {
        var records = RecordBatch.Decode(batch);
        var results = new List<LeafStatus>();
        foreach (var record in records)
        {
            foreach (var leaf in record.Leaves)
                results.Add(new LeafStatus(record.Id, leaf.Rev.ToString(), await AcceptAsync(record.Id, leaf, replicate)));
        }
        return results;
    }

    /// <summary>RecordGrain.Accept: verify the revision against its parent and content, merge, index, replicate.</summary>
    private async Task<string> AcceptAsync(string id, RevisionLeaf leaf, Func<string, RevisionLeaf, Task<bool>> replicate)
    {
        if (!DocumentRules.DerivesFromParent(leaf)) return "invalid";
        var result = await ApplyAsync(id, leaf);
        if (result != MergeResult.AlreadyKnown && !await replicate(id, leaf)) return "quorum_unavailable";
        return result switch
        {
            MergeResult.Accepted => "accepted",
            MergeResult.Conflict => "conflict",
            _ => "known",
        };
    }

    /// <summary>A leaf from a peer push, replication or anti-entropy: merged into this mirror's copy (MirrorStore.MergeAsync).</summary>
    public async Task<MergeResult> ApplyAsync(string id, RevisionLeaf leaf)
    {
        if (options.PlantedBugDropConflicts && Open.Records.TryGetHeader(id, out _))
        {
            var current = await Open.ReadRecordAsync(id);
            if (current is not null && DocumentRules.Merge(current, id, leaf).Result == MergeResult.Conflict) return MergeResult.Conflict;
        }
        var (result, stored) = await Open.MergeLeavesAsync(id, [leaf], pending: false);
        if (result != MergeResult.AlreadyKnown && stored is not null) Index(stored);
        return result;
    }

    /// <summary>POST /sync/fetch: every leaf of the given records (unknown ids left out).</summary>
    public async Task<byte[]> FetchAsync(IReadOnlyList<string> ids)
    {
        var records = new List<DocumentRecord>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            var record = await Open.ReadRecordAsync(id);
            if (record is not null) records.Add(record);
        }
        return RecordBatch.Encode(records);
    }

    public Task<DocumentRecord?> ReadRecordAsync(string id) => Open.ReadRecordAsync(id).AsTask();

    /// <summary>Anti-entropy: the digest of every segment.</summary>
    public string[] Digests() => [.. _local.Select(s => s.Digest)];

    /// <summary>Anti-entropy: one segment's entries (id → winner, deleted), sequence order.</summary>
    public IReadOnlyList<IndexEntry> Segment(int segment) => _local[segment].ChangesSince(0, int.MaxValue);

    public IEnumerable<string> Ids() => Open.Records.List().Select(h => h.Key);

    private void Index(DocumentRecord record)
    {
        int segment = IndexSegment.SegmentOf(record.Id);
        _segments[segment].Apply(record.Id, record.Winner.Rev, record.Winner.Deleted, record.LeavesTag);
        _local[segment].Apply(record.Id, record.Winner.Rev, record.Winner.Deleted, options.LeafDigests ? record.LeavesTag : null);
    }

    private long[] CurrentVector()
    {
        var v = new long[SyncCheckpoint.Length];
        for (int s = 0; s < IndexSegment.Count; s++)
        {
            v[s * 2] = _epochs[s];
            v[s * 2 + 1] = _segments[s].Sequence;
        }
        return v;
    }

    private static string Encode(long[] vector)
    {
        var bytes = new byte[vector.Length * 8];
        for (int i = 0; i < vector.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), vector[i]);
        return "s1." + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static long[] Decode(string? checkpoint)
    {
        if (string.IsNullOrEmpty(checkpoint) || !checkpoint.StartsWith("s1.", StringComparison.Ordinal)) return SyncCheckpoint.Empty();
        string b64 = checkpoint[3..].Replace('-', '+').Replace('_', '/');
        var bytes = Convert.FromBase64String(b64 + new string('=', (4 - b64.Length % 4) % 4));
        var vector = new long[SyncCheckpoint.Length];
        for (int i = 0; i < vector.Length && i * 8 < bytes.Length; i++) vector[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8));
        return vector;
    }
}
