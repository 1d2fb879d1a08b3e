using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;

namespace MyNoSql.Grains.Index;

// The tail of every mirror's store index: what makes the segment complete when a record grain's report never counted.
internal sealed partial class IndexSegmentGrain
{
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

    [LoggerMessage(EventId = 2082, Level = LogLevel.Debug, Message = "Index segment {Segment} of {Database}: {Silo}'s store did not answer its changes; asked again next pass")]
    private partial void LogTailFailed(Exception error, string database, int segment, string silo);

    [LoggerMessage(EventId = 2901, Level = LogLevel.Warning, Message = "Index segment of {Database}: could not read the copies of {Id} to decide its entry; asked again next pass")]
    private partial void LogResolveFailed(Exception error, string database, string id);
}
