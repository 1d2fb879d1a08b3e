using System.Runtime.CompilerServices;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Changes;

/// <summary>
/// The change feed of one replica store (a peer's database: key = id). Each record is reported once at its latest
/// version (as CouchDB's <c>_changes</c>), shard by shard, each shard in lsn order (the engine's
/// <see cref="RecordStore.ChangedSince"/>); every change carries the position right after it, so a consumer that
/// stops anywhere and resumes from the last <see cref="LocalChange.Seq"/> it processed misses nothing and repeats
/// nothing. Shards are independent lsn spaces, so the order across shards is not the write order. Writes that only
/// clear <see cref="RecordFlags.Pending"/> keep the lsn and never re-appear. Live feeds wait on a
/// <see cref="ChangeSignal"/> observing the store (no polling). Thread-safe.
/// </summary>
internal sealed class LocalChangeFeed
{
    private readonly ReplicaStore _replica;
    private readonly string _keyPrefix;
    private readonly ChangeSignal _signal = new();

    /// <param name="replica">The records; the feed observes its writes from now on.</param>
    /// <param name="keyPrefix">Engine keys of this database's records start with it; the id is the rest ("" on a peer).</param>
    public LocalChangeFeed(ReplicaStore replica, string keyPrefix = "")
    {
        _replica = replica;
        _keyPrefix = keyPrefix;
        replica.AddObserver(_signal);
    }

    /// <summary>Wakes every waiting live feed (e.g. the database is closing, so they notice).</summary>
    public void Wake() => _signal.Fire();

    /// <summary>The position of <paramref name="since"/>: null, empty or "0" the start, "now" the current end, else a token.</summary>
    /// <exception cref="ArgumentException">Not a position this database issued (named <paramref name="parameterName"/>).</exception>
    public ChangeSequence Parse(string? since, string parameterName) =>
        since == "now" ? Current() : ChangeSequence.Parse(since, _replica.Records.ShardCount, parameterName);

    /// <summary>The current end of the feed: every shard at its highest lsn.</summary>
    public ChangeSequence Current()
    {
        var records = _replica.Records;
        var position = ChangeSequence.Start(records.ShardCount);
        for (int s = 0; s < records.ShardCount; s++)
        {
            var changed = records.ChangedSince(s, 0, _keyPrefix);
            if (changed.Count > 0) position[s] = changed[^1].Sequence;
        }
        return position;
    }

    /// <summary>
    /// The changes after <paramref name="since"/> (advanced as they are read). Not live: ends after the current last
    /// change. Live: then waits for writes until cancelled, or until <paramref name="closed"/> says the database closed
    /// (<see cref="ObjectDisposedException"/>). With a <paramref name="selector"/>, only live records whose winner
    /// matches are reported (deleted ones never: CouchDB's <c>_selector</c> filter), but positions still advance.
    /// </summary>
    public async IAsyncEnumerable<LocalChange> ReadAsync(ChangeSequence since, Selector? selector, bool includeDocs, bool live,
        Func<bool> closed, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var position = since.Clone();
        var records = _replica.Records;
        while (true)
        {
            // Taken before scanning: a write the scan misses completes it.
            var signal = _signal.Next;
            for (int s = 0; s < records.ShardCount; s++)
            {
                foreach (var header in records.ChangedSince(s, position[s], _keyPrefix))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    position[s] = header.Sequence;
                    // Cleared keys and non-record state have no revision: nothing to report.
                    if (header.Revision.IsEmpty) continue;
                    var change = await ToChangeAsync(header, selector, includeDocs, position, cancellationToken).ConfigureAwait(false);
                    if (change is not null) yield return change;
                }
            }
            if (!live) yield break;
            // Closing the database fires the signal after marking it closed (Wake), so no timer is needed to notice.
            ObjectDisposedException.ThrowIf(closed(), this);
            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(closed(), this);
        }
    }

    private async ValueTask<LocalChange?> ToChangeAsync(RecordHeader header, Selector? selector, bool includeDocs, ChangeSequence position, CancellationToken cancellationToken)
    {
        string id = header.Key[_keyPrefix.Length..];
        bool fromSync = (header.Flags & RecordFlags.FromSync) != 0;
        bool deleted = (header.Flags & RecordFlags.Deleted) != 0;
        if (selector is null && (!includeDocs || deleted))
            return new LocalChange(id, header.Revision.ToString(), deleted, fromSync, position.ToString(), null);
        if (selector is not null && deleted) return null;
        // The record may have moved on since the header was listed: report what is stored now (its own later change
        // is listed again at its own lsn).
        var record = await _replica.ReadAsync(header.Key, id, cancellationToken).ConfigureAwait(false);
        if (record is null) return null;
        var winner = record.Winner;
        if (winner.Deleted)
            return selector is null ? new LocalChange(id, winner.Rev.ToString(), true, fromSync, position.ToString(), null) : null;
        var doc = DocumentCodec.Compose(id, winner.Rev, winner.Body.Span);
        if (selector is not null && !selector.Matches(doc)) return null;
        return new LocalChange(id, winner.Rev.ToString(), false, fromSync, position.ToString(), includeDocs ? doc : null);
    }
}
