using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Index;
using MyNoSql.Grains;
using MyNoSql.Grains.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// A simulated mirror built from the code the grains share: a <see cref="DocumentStore"/> in its own folder (real
/// files) merging with <see cref="DocumentStore.MergeLeavesAsync"/> (<see cref="DocumentRules"/>), 64
/// <see cref="IndexSegment"/>s rebuilt from the store under fresh epochs at every start (as an index segment grain
/// re-activates). Peers reach it through the production <see cref="SyncService"/> (paging, poll, push, fetch) and the
/// record grain's accept rule (<see cref="ReplicaAccept"/>: verify, merge, index, replicate to a write quorum). Not
/// thread-safe: the world calls it one step at a time (the service runs with parallelism 1).
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

    /// <summary>Sees every write of the store (the world records the resolutions the merge policy writes).</summary>
    public IReplicaObserver? Observer { get; set; }

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
        Store = await DocumentStore.OpenAsync(Database, Directory, storeOptions, 1 << 20, clock: new HybridClock(FrozenClock.Instance));
        // The policy as a mirror holds it (MergePolicyGrain): merges that make a conflict resolve it (ReplicaStore.MergeAsync).
        if (options.Policy is { } policy) Store.Replica.MergePolicy = () => policy;
        if (Observer is not null) Store.Replica.AddObserver(Observer);
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

    /// <summary>
    /// The production sync service (the code behind the gateway's /sync routes and the sync grain) over this mirror:
    /// <see cref="SimSyncBackend"/> gives it the index segments and the record grain's accept rule, one call at a time.
    /// </summary>
    public SyncService Sync(Func<string, RevisionLeaf, Task<bool>> replicate) =>
        new(new SimSyncBackend(this, replicate), NoRetryPolicy.Instance, new SyncServiceOptions { Parallelism = 1 });

    /// <summary>IndexSegmentGrain.ChangesSince over the segment peers pull (another epoch restarts at 0).</summary>
    public SegmentChanges ChangesSince(int segment, long epoch, long sequence, int limit)
    {
        limit = Math.Clamp(limit, 1, 100_000);
        if (epoch != _epochs[segment]) sequence = 0;
        var changes = _segments[segment].ChangesSince(sequence, limit + 1);
        bool more = changes.Count > limit;
        var entries = changes.Take(limit).Select(e => new IndexEntryInfo(e.Id, e.Rev.ToString(), e.Deleted, e.Sequence, e.Conflicts)).ToArray();
        long upTo = more ? entries[^1].Sequence : _segments[segment].Sequence;
        return new SegmentChanges(_epochs[segment], upTo, entries, more);
    }

    /// <summary>IndexSegmentGrain.GetDigest of the segment peers pull.</summary>
    public SegmentDigest Digest(int segment) =>
        new(segment, _segments[segment].Digest, _segments[segment].Size, _epochs[segment], _segments[segment].Sequence);

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
}
