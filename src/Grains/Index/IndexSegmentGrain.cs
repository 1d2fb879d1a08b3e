using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Index;

/// <summary>
/// One revision-index segment (<c>"{db}/{segment}"</c>): id → (winning rev, sequence), a sequence, a digest and
/// the live ids in ordinal order. Record grains report every change. On activation it is rebuilt from this
/// silo's store under a new random epoch (a checkpoint from another epoch restarts at 0); it is kept alive so
/// epochs change only when its silo goes away.
/// </summary>
[GrainType(MirrorKeys.SegmentGrainType), KeepAlive]
internal sealed class IndexSegmentGrain : Grain, IIndexSegmentGrain
{
    private readonly IServiceProvider _services;
    private readonly IPersistentState<SegmentState>? _persisted;
    private readonly IndexSegment _segment = new();
    private readonly SortedSet<string> _live = new(StringComparer.Ordinal);
    private int _number;
    private long _epoch;

    public IndexSegmentGrain(IServiceProvider services, IPersistentStateFactory states, IGrainContext context, IOptions<MirrorGrainOptions> options)
    {
        _services = services;
        // Shared storage has no local store to rebuild from: persist the entries themselves.
        if (!options.Value.Replicate)
            _persisted = states.Create<SegmentState>(context, new StateConfiguration("segment", options.Value.StorageName));
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (database, number) = RecordKey.Split(this.GetPrimaryKeyString());
        // Kept alive once activated: never for a key no gateway or record grain would produce.
        if (!DatabaseName.IsValid(database)
            || !int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _number)
            || _number >= IndexSegment.Count)
            throw new ArgumentException($"'{this.GetPrimaryKeyString()}' is not a '{{db}}/{{segment}}' key with a segment below {IndexSegment.Count}.");
        // 31 bits: small in a checkpoint (64 segments), and a clash only costs a client one redundant re-read.
        _epoch = Random.Shared.Next(1, int.MaxValue);
        if (_persisted is not null)
        {
            foreach (var e in _persisted.State.Entries) Set(e.Id, Revision.Parse(e.Rev), e.Deleted, e.Conflicts);
            return;
        }
        var host = _services.GetService<MirrorStoreHost>();
        if (host is null) return;
        var store = await host.Store;
        foreach (var entry in store.Index.RawEntries(database, _number)) Set(entry.Id, entry.Rev, entry.Deleted);
        await MergeOtherSilosAsync(database);
    }

    /// <summary>
    /// This silo's copy may lag (it was down, or background replication is in flight): take, per id, the better
    /// winner any active silo knows (the higher revision: a tombstone descends from what it deleted), so the index
    /// misses nothing.
    /// </summary>
    private async Task MergeOtherSilosAsync(string database)
    {
        var replicator = _services.GetRequiredService<Replicator>();
        var mirrors = _services.GetRequiredService<IMirrorServiceClient>();
        var others = replicator.OtherActiveSilos();
        if (others.Length == 0) return;
        var fetches = others.Select(async silo =>
        {
            try { return await mirrors.For(silo).GetSegment(database, _number).WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (Exception) { return []; }
        });
        foreach (var entries in await Task.WhenAll(fetches))
        {
            foreach (var e in entries.OrderBy(e => e.Sequence))
            {
                if (!Revision.TryParse(e.Rev, out var rev)) continue;
                if (_segment.TryGet(e.Id, out var known) && rev <= known.Rev) continue;
                Set(e.Id, rev, e.Deleted, e.Conflicts);
            }
        }
    }

    public async ValueTask<long> Apply(string id, string rev, bool deleted, string? conflicts, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        long before = _segment.Sequence;
        Set(id, Revision.Parse(rev), deleted, conflicts);
        if (_persisted is not null && _segment.Sequence != before)
        {
            _persisted.State.Entries = [.. _segment.ChangesSince(0, int.MaxValue).Select(Info)];
            await _persisted.WriteStateAsync(CancellationToken.None); // the change is applied in memory: always persist it
        }
        return _segment.Sequence;
    }

    public ValueTask<IndexEntryInfo?> Get(string id, CancellationToken cancellationToken = default) => ValueTask.FromResult(
        _segment.TryGet(id, out var e) ? Info(e) : null);

    public ValueTask<SegmentChanges> ChangesSince(long epoch, long sequence, int limit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 100_000);
        if (epoch != _epoch) sequence = 0;
        var changes = _segment.ChangesSince(sequence, limit + 1);
        bool more = changes.Count > limit;
        var entries = changes.Take(limit).Select(Info).ToArray();
        long upTo = more ? entries[^1].Sequence : _segment.Sequence;
        return ValueTask.FromResult(new SegmentChanges(_epoch, upTo, entries, more));
    }

    public ValueTask<SegmentDigest> GetDigest(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new SegmentDigest(_number, _segment.Digest, _segment.Size, _epoch, _segment.Sequence));

    public ValueTask<IdPage> ListIds(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        limit = Math.Clamp(limit, 1, 100_000);
        var ids = new List<string>(Math.Min(limit, 256));
        bool more = false;
        string lower = after is not null && string.CompareOrdinal(after, prefix) > 0 ? after : prefix;
        if (_live.Count > 0 && string.CompareOrdinal(lower, _live.Max) <= 0)
        {
            foreach (var id in lower.Length == 0 ? _live : _live.GetViewBetween(lower, _live.Max!))
            {
                if (after is not null && string.CompareOrdinal(id, after) <= 0) continue;
                if (!id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    if (string.CompareOrdinal(id, prefix) > 0) break;
                    continue;
                }
                if (ids.Count == limit) { more = true; break; }
                ids.Add(id);
            }
        }
        return ValueTask.FromResult(new IdPage([.. ids], more));
    }

    private static IndexEntryInfo Info(IndexEntry e) => new(e.Id, e.Rev.ToString(), e.Deleted, e.Sequence, e.Conflicts);

    private void Set(string id, Revision rev, bool deleted, string? conflicts = null)
    {
        _segment.Apply(id, rev, deleted, conflicts);
        if (deleted) _live.Remove(id);
        else _live.Add(id);
    }
}
