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
            _persisted.State.Entries = [.. _segment.ChangesSince(0, int.MaxValue).Select(SegmentPage.Info)];
            await _persisted.WriteStateAsync(CancellationToken.None); // the change is applied in memory: always persist it
        }
        return _segment.Sequence;
    }

    public ValueTask<IndexEntryInfo?> Get(string id, CancellationToken cancellationToken = default) => ValueTask.FromResult(
        _segment.TryGet(id, out var e) ? SegmentPage.Info(e) : null);

    public ValueTask<SegmentChanges> ChangesSince(long epoch, long sequence, int limit, CancellationToken cancellationToken = default)
    {
        limit = Math.Clamp(limit, 1, 100_000);
        return ValueTask.FromResult(SegmentPage.Of(_segment, _epoch, epoch == _epoch ? sequence : 0, limit));
    }

    public ValueTask<SegmentDigest> GetDigest(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new SegmentDigest(_number, _segment.Digest, _segment.Size, _epoch, _segment.Sequence));

    public ValueTask<IdPage> ListIds(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>(Math.Min(Math.Max(limit, 1), 256));
        bool more = ListLive(prefix, after, limit, ids.Add);
        return ValueTask.FromResult(new IdPage([.. ids], more));
    }

    public ValueTask<EntryPage> ListEntries(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        var entries = new List<IndexEntryInfo>(Math.Min(Math.Max(limit, 1), 256));
        bool more = ListLive(prefix, after, limit, id => entries.Add(SegmentPage.Info(_segment.TryGet(id, out var e) ? e : throw new InvalidOperationException($"Live id '{id}' has no entry."))));
        return ValueTask.FromResult(new EntryPage([.. entries], more));
    }

    /// <summary>Visits live ids starting with <paramref name="prefix"/>, ordinally after <paramref name="after"/>, at most
    /// <paramref name="limit"/> (1–100,000); true when more followed.</summary>
    private bool ListLive(string prefix, string? after, int limit, Action<string> visit)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        limit = Math.Clamp(limit, 1, 100_000);
        int count = 0;
        string lower = after is not null && string.CompareOrdinal(after, prefix) > 0 ? after : prefix;
        if (_live.Count == 0 || string.CompareOrdinal(lower, _live.Max) > 0) return false;
        foreach (var id in lower.Length == 0 ? _live : _live.GetViewBetween(lower, _live.Max!))
        {
            if (after is not null && string.CompareOrdinal(id, after) <= 0) continue;
            if (!id.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (string.CompareOrdinal(id, prefix) > 0) break;
                continue;
            }
            if (count == limit) return true;
            visit(id);
            count++;
        }
        return false;
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
            _persisted.State.Entries = [.. _segment.ChangesSince(0, int.MaxValue).Select(SegmentPage.Info)];
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
