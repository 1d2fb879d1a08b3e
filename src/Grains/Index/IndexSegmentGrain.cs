using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Index;

/// <summary>
/// One revision-index segment (<c>"{db}/{segment}"</c>): id → (winning rev, sequence), a sequence, a digest and
/// the live ids in ordinal order. Record grains report every change. On activation it is rebuilt from the mirrors'
/// stores under a new random 64-bit epoch (a checkpoint from another epoch restarts at 0), and it then tails their
/// indexes so that no stored record stays out of it (<see cref="TailStoresAsync"/>). While it holds
/// entries it is kept alive, so epochs change only when its silo goes away; a segment that holds nothing (any
/// valid database name can ask for one) is collected like any idle grain. Tombstones older than the horizon that
/// every active mirror holds leave the segment (see <see cref="MirrorGrainOptions.TombstoneHorizon"/>).
/// </summary>
[GrainType(MirrorKeys.SegmentGrainType)]
internal sealed partial class IndexSegmentGrain(
    IPersistentStateFactory states,
    IGrainContext context,
    IOptions<MirrorGrainOptions> options,
    Replicator replicator,
    IMirrorServiceClient mirrors,
    ILogger<IndexSegmentGrain> logger,
    MirrorStoreHost? host = null) : Grain, IIndexSegmentGrain
{
    // Shared storage has no local store to rebuild from: persist the entries themselves.
    private readonly IPersistentState<SegmentState>? _persisted = options.Value.Replicate ? null
        : states.Create<SegmentState>(context, new StateConfiguration("segment", options.Value.StorageName));
    private readonly IndexSegment _segment = new();
    private readonly SortedSet<string> _live = new(StringComparer.Ordinal);
    // When each tombstone became the winner here (Environment.TickCount64): a rebuilt segment starts the clock
    // again, which only delays a purge.
    private readonly Dictionary<string, long> _tombstoneSince = new(StringComparer.Ordinal);
    private readonly TimeSpan _horizon = options.Value.TombstoneHorizon;
    private readonly ILogger<IndexSegmentGrain> _logger = logger;
    private string _database = "";
    private int _number;
    private long _epoch;
    private bool _keptAlive;
    // Where the tail of each store's own index stands (LocalIndex.ChangesSince): this silo's and each other active silo's.
    private (long Epoch, long Sequence) _localTail;
    private readonly Dictionary<SiloAddress, (long Epoch, long Sequence)> _tails = [];
    private bool _tailing;
    private bool _activated; // the activation's first pass is done
    private const int TailPage = 10_000;
    // Passes run every tick (the anti-entropy interval, 1–30 s) for a while after activation, a membership change or a pass
    // that filled a gap, when lost reports are likely; otherwise every SlowTail, so idle segments cost little.
    private const int FastPasses = 30;
    private static readonly TimeSpan SlowTail = TimeSpan.FromSeconds(10);
    private int _fastLeft = FastPasses;
    private MembershipVersion? _tailedAt;
    private long _slowDue;
    private long _filled;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (database, number) = RecordKey.Split(this.GetPrimaryKeyString());
        _database = database;
        if (!DatabaseName.IsValid(database)
            || !int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _number)
            || _number >= IndexSegment.Count)
            throw new ArgumentException($"'{this.GetPrimaryKeyString()}' is not a '{{db}}/{{segment}}' key with a segment below {IndexSegment.Count}.");
        // 64 random bits: two activations of one segment never share an epoch in practice, so a checkpoint from an
        // earlier activation is never mistaken for one of this sequence space.
        _epoch = Random.Shared.NextInt64(1, long.MaxValue);
        var period = TimeSpan.FromTicks(Math.Clamp(_horizon.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute * 10));
        this.RegisterGrainTimer(PurgeTombstonesAsync, period, period);
        if (_persisted is not null)
        {
            foreach (var e in _persisted.State.Entries) Set(e.Id, Revision.Parse(e.Rev), e.Deleted, e.Conflicts);
        }
        else if (host is not null)
        {
            await TailStoresAsync(cancellationToken);
            // Interleaved: a silo slow to answer (killed, not yet declared dead) must not hold up the record grains' reports.
            var every = TimeSpan.FromTicks(Math.Clamp(options.Value.AntiEntropyInterval.Ticks, TimeSpan.TicksPerSecond, TimeSpan.TicksPerSecond * 30));
            this.RegisterGrainTimer(TailTickAsync, new GrainTimerCreationOptions(every, every) { Interleave = true });
        }
        UpdateKeepAlive();
    }

    /// <summary>
    /// Takes what every mirror's store changed since the last pass (its own index, <see cref="IMirrorService.GetSegmentChanges"/>):
    /// on activation everything, then what is new: every anti-entropy interval (1–30 s) for <see cref="FastPasses"/> passes
    /// after activation, a membership change or a pass that found something missing, else every 10 s. The record grains' reports keep the
    /// segment current; this makes it complete. A report can be lost with a killed silo or go to another activation of
    /// this segment (Orleans' default directory allows a duplicate while membership changes), and under <c>--replicas N</c>
    /// this silo's store holds only its share; but every acknowledged record is in some live mirror's store, so it reaches
    /// the change feed within a pass or two. Cheap when nothing changed: an empty reply per silo.
    /// </summary>
    private async Task TailStoresAsync(CancellationToken cancellationToken)
    {
        if (_tailing || host is null) return;
        _tailing = true;
        _tailedAt = replicator.MembershipVersion;
        _slowDue = Environment.TickCount64 + (long)SlowTail.TotalMilliseconds;
        long before = _segment.Sequence, filled = _filled;
        try
        {
            var store = await host.Store;
            _localTail = await TailAsync(null, _localTail,
                (epoch, since) => Task.FromResult(store.Index.ChangesSince(_database, _number, epoch, since, TailPage)));
            var others = replicator.OtherActiveSilos();
            foreach (var gone in _tails.Keys.Where(s => !others.Contains(s)).ToList()) _tails.Remove(gone);
            await Task.WhenAll(others.Select(async silo => _tails[silo] = await TailAsync(silo, _tails.GetValueOrDefault(silo),
                (epoch, since) => mirrors.For(silo).GetSegmentChanges(_database, _number, epoch, since, TailPage).WaitAsync(TimeSpan.FromSeconds(10)))));
        }
        finally
        {
            _tailing = false;
            _activated = true;
        }
        if (_filled != filled) _fastLeft = FastPasses;
        await PublishChangesAsync(before);
    }

    /// <summary>The timer: a pass when one is due (see <see cref="FastPasses"/>).</summary>
    private Task TailTickAsync(CancellationToken cancellationToken)
    {
        if (!replicator.MembershipVersion.Equals(_tailedAt)) _fastLeft = FastPasses;
        if (_fastLeft > 0) _fastLeft--;
        else if (Environment.TickCount64 < _slowDue) return Task.CompletedTask;
        return TailStoresAsync(cancellationToken);
    }

    /// <summary>
    /// One store's changes after <paramref name="at"/>, page by page; where its tail then stands. An id the segment does not
    /// know is taken as the store lists it, and one it knows at the same winner is skipped. Any other entry is decided by
    /// the record's copies (<see cref="ResolveAsync"/>), since a store may lag (restarted, or replication in flight) or be
    /// ahead of a report; so is an unknown id in a store read again from 0 after activation (a restarted mirror), where a
    /// tombstone the segment no longer lists is one it purged past the horizon, not a new delete. A page whose entries
    /// could not all be decided is read again next pass.
    /// </summary>
    private async Task<(long Epoch, long Sequence)> TailAsync(SiloAddress? silo, (long Epoch, long Sequence) at,
        Func<long, long, Task<SegmentChanges>> fetch)
    {
        try
        {
            while (true)
            {
                var page = await fetch(at.Epoch, at.Sequence);
                bool reread = _activated && page.Epoch != at.Epoch;
                var undecided = new List<IndexEntryInfo>();
                foreach (var e in page.Entries)
                {
                    if (!Revision.TryParse(e.Rev, out var rev)) continue;
                    bool known = _segment.TryGet(e.Id, out var k);
                    if (known && k.Rev == rev && k.Deleted == e.Deleted) continue;
                    if (known || reread) undecided.Add(e);
                    else Fill(e.Id, rev, e.Deleted, e.Conflicts);
                }
                if (undecided.Count > 0 && !await ResolveAsync(silo, undecided)) return at;
                at = (page.Epoch, page.Sequence);
                if (!page.HasMore) return at;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTailFailed(e, _database, _number, silo?.ToString() ?? "this silo");
            return at;
        }
    }

    /// <summary>
    /// Sets each entry's id to the winner of the record's copies merged, as a read repair would find it: this silo's store,
    /// the silo that listed the entry (<paramref name="source"/>; null: this silo) and a read quorum of the others (the
    /// holders under <c>--replicas N</c>, every mirror while a view settles; <see cref="Replicator.ReadOthersAsync"/>).
    /// When those copies do not know the listed revision (none held the copy it came from), every other mirror is asked
    /// too; a listed entry stays when even then they do not, or when it was reported anew while they were read. An id the
    /// segment does not list whose merged winner is deleted stays out (purged, or never live here). False when some copy
    /// could not be read at all.
    /// </summary>
    private async Task<bool> ResolveAsync(SiloAddress? source, List<IndexEntryInfo> entries)
    {
        var store = await host!.Store;
        bool complete = true;
        foreach (var chunk in entries.Chunk(64))
        {
            var merged = await Task.WhenAll(chunk.Select(async e =>
            {
                IndexEntry? knownBefore = _segment.TryGet(e.Id, out var k) ? k : null;
                try
                {
                    var copies = new List<ReplicatedRevision[]>(await replicator.ReadOthersAsync(_database, e.Id));
                    if (source is not null) copies.Add(await mirrors.For(source).GetLeaves(_database, e.Id).WaitAsync(TimeSpan.FromSeconds(10)));
                    var record = Merged(await store.ReadRecordAsync(_database, e.Id), e.Id, copies);
                    if (knownBefore is { } was && !Knows(record, was.Rev))
                    {
                        // The quorum answered without the copy the listed revision came from: ask every mirror.
                        record = Merged(record, e.Id, await Task.WhenAll(replicator.OtherActiveSilos().Select(async silo =>
                        {
                            try { return await mirrors.For(silo).GetLeaves(_database, e.Id).WaitAsync(TimeSpan.FromSeconds(10)); }
                            catch (Exception) { return []; }
                        })));
                    }
                    return (Entry: e, Known: knownBefore, Record: record, Read: true);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogResolveFailed(error, _database, e.Id);
                    return (Entry: e, Known: knownBefore, Record: (DocumentRecord?)null, Read: false);
                }
            }));
            foreach (var (e, knownBefore, record, read) in merged)
            {
                complete &= read;
                if (!read || record is null) continue;
                bool known = _segment.TryGet(e.Id, out var now);
                if (known != knownBefore.HasValue || (knownBefore is { } was && (now.Rev != was.Rev || now.Deleted != was.Deleted))) continue; // reported meanwhile
                // Copies that do not know the listed revision (none of them answered with the copy it came from) cannot
                // replace it: only a merge that holds it, or a descendant, may.
                if (known && !Knows(record, now.Rev)) continue;
                var winner = record.Winner;
                if (!known && winner.Deleted) continue;
                if (known && now.Rev == winner.Rev && now.Deleted == winner.Deleted) continue;
                Fill(e.Id, winner.Rev, winner.Deleted, record.LeavesTag);
            }
        }
        return complete;
    }

    /// <summary><paramref name="record"/> with every leaf of <paramref name="copies"/> merged in (as read repair merges).</summary>
    private DocumentRecord? Merged(DocumentRecord? record, string id, IEnumerable<ReplicatedRevision[]> copies)
    {
        foreach (var wire in copies.SelectMany(c => c))
        {
            if (!LeafWire.TryFromWire(wire, verify: false, out var leaf, out _)) continue;
            var outcome = DocumentRules.Merge(record, id, leaf, options.Value.HistoryDepth);
            if (outcome.Result != MergeResult.AlreadyKnown) record = outcome.Record;
        }
        return record;
    }

    /// <summary>Whether a leaf of <paramref name="record"/> is <paramref name="rev"/> or descends from it.</summary>
    private static bool Knows(DocumentRecord? record, Revision rev) => record is not null && record.Leaves.Any(l => l.Knows(rev));

    /// <summary>Sets an entry the tail found missing or different (counted, to keep passes frequent while it finds some).</summary>
    private void Fill(string id, Revision rev, bool deleted, string? conflicts)
    {
        Set(id, rev, deleted, conflicts);
        _filled++;
    }

    public async ValueTask<long> Apply(string id, string rev, bool deleted, string? conflicts, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        long before = _segment.Sequence;
        Set(id, Revision.Parse(rev), deleted, conflicts);
        return await PublishChangesAsync(before);
    }

    /// <summary>After entries were set: keeps the segment alive, tells the feeds and persists once if anything changed
    /// since <paramref name="before"/>; the new sequence.</summary>
    private async ValueTask<long> PublishChangesAsync(long before)
    {
        UpdateKeepAlive();
        if (_segment.Sequence != before) await NotifyChangedAsync();
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

    /// <summary>
    /// Drops tombstones older than the horizon from the segment once every active mirror's store holds that same
    /// tombstone. The stores keep it (a late mirror or a replicated ancestor is then recognised as already known);
    /// peers that did not pull within the horizon resync fully, so none keeps the deleted record alive.
    /// </summary>
    private async Task PurgeTombstonesAsync(CancellationToken cancellationToken)
    {
        long cutoff = Environment.TickCount64 - (long)_horizon.TotalMilliseconds;
        var due = _tombstoneSince.Where(t => t.Value <= cutoff).Select(t => t.Key).ToList();
        if (due.Count == 0) return;
        if (_persisted is null)
        {
            // Every mirror's own copy must hold the same tombstone: this silo's store and every other active silo's.
            if (host is null) return;
            var copies = new List<IReadOnlyCollection<IndexEntryInfo>> { (await host.Store).Index.Entries(_database, _number) };
            foreach (var silo in replicator.OtherActiveSilos())
            {
                try { copies.Add(await mirrors.For(silo).GetSegment(_database, _number, cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken)); }
                catch (Exception e) when (e is not OperationCanceledException) { return; } // try again next time
            }
            var held = copies.Select(c => c.Where(e => e.Deleted).Select(e => (e.Id, e.Rev)).ToHashSet()).ToList();
            due.RemoveAll(id => !_segment.TryGet(id, out var entry) || !held.All(h => h.Contains((id, entry.Rev.ToString()))));
        }
        foreach (var id in due)
        {
            _segment.Remove(id);
            _tombstoneSince.Remove(id);
        }
        if (due.Count > 0) LogPurged(_database, _number, due.Count);
        UpdateKeepAlive();
        if (_persisted is not null && due.Count > 0)
        {
            _persisted.State.Entries = [.. _segment.ChangesSince(0, int.MaxValue).Select(Info)];
            await _persisted.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>Wakes the database's change feeds on every silo; one-way, so the write does not wait for it, and a
    /// failure only delays feeds until their timeout: it never fails the write.</summary>
    private async ValueTask NotifyChangedAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IChangeNotifierGrain>(_database).Changed();
        }
        catch (Exception e)
        {
            LogNotifyFailed(e, _database, _number);
        }
    }

    [LoggerMessage(EventId = 2081, Level = LogLevel.Warning, Message = "Index segment {Segment} of {Database} could not notify the change feeds")]
    private partial void LogNotifyFailed(Exception error, string database, int segment);

    [LoggerMessage(EventId = 2082, Level = LogLevel.Debug, Message = "Index segment {Segment} of {Database}: {Silo}'s store did not answer its changes; asked again next pass")]
    private partial void LogTailFailed(Exception error, string database, int segment, string silo);

    [LoggerMessage(EventId = 2901, Level = LogLevel.Warning, Message = "Index segment of {Database}: could not read the copies of {Id} to decide its entry; asked again next pass")]
    private partial void LogResolveFailed(Exception error, string database, string id);

    [LoggerMessage(EventId = 2050, Level = LogLevel.Information, Message = "Database '{Database}' segment {Segment}: {Count} tombstones past the horizon left the sync index")]
    private partial void LogPurged(string database, int segment, int count);

    /// <summary>
    /// Keeps the activation alive while the segment holds entries (a new activation would mean a new epoch and a full
    /// re-pull for every peer) and lets an empty one be collected, so asking for a database that holds nothing does
    /// not pin 64 grains per name for the silo's lifetime.
    /// </summary>
    private void UpdateKeepAlive()
    {
        bool holds = _segment.Size > 0;
        if (holds == _keptAlive) return;
        _keptAlive = holds;
        DelayDeactivation(holds ? TimeSpan.MaxValue : TimeSpan.Zero);
    }

    private static IndexEntryInfo Info(IndexEntry e) => new(e.Id, e.Rev.ToString(), e.Deleted, e.Sequence, e.Conflicts);

    private void Set(string id, Revision rev, bool deleted, string? conflicts = null)
    {
        _segment.Apply(id, rev, deleted, conflicts);
        if (deleted)
        {
            _live.Remove(id);
            _tombstoneSince.TryAdd(id, Environment.TickCount64);
        }
        else
        {
            _live.Add(id);
            _tombstoneSince.Remove(id);
        }
    }
}
