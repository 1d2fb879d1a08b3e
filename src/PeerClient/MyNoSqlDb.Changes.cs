using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Changes;
using MyNoSql.Storage.Query;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    private LocalChangeFeed? _changes;

    /// <summary>
    /// The change feed (DESIGN §7): every record changed after <paramref name="since"/>, each once at its latest
    /// version, with a <see cref="Change.Seq"/> to resume from. Changes come shard by shard of the local store, each
    /// shard in write order (so not in global write order across records). Local writes, deletes and records that
    /// arrived by sync (<see cref="Change.FromSync"/>) all appear; a mirror acknowledging a write does not.
    /// </summary>
    /// <param name="since">null or "0": from the beginning; "now": only changes from now on; else a <see cref="Change.Seq"/>.</param>
    /// <param name="selector">A Mango selector (DESIGN §7): only records whose winning revision matches are reported;
    /// deleted records never match. Positions still advance past the others.</param>
    /// <param name="includeDocs">Fill <see cref="Change.Doc"/> for records that are not deleted.</param>
    /// <param name="live">false: ends after the current last change; true: then waits for new writes (woken by them)
    /// until cancelled.</param>
    /// <param name="cancellationToken">Ends a live feed (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="since"/> is not a position this database could have issued
    /// (malformed, or made for another shard count; positions carry no database identity, so one taken from another
    /// database of the same shape is not told apart: pass only this database's own), or
    /// <paramref name="selector"/> is not a valid selector (thrown by the first MoveNextAsync).</exception>
    /// <exception cref="ObjectDisposedException">The database was closed (a live feed waiting for writes ends with it).</exception>
    public async IAsyncEnumerable<Change> ChangesAsync(string? since = null, JsonObject? selector = null, bool includeDocs = false,
        bool live = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var feed = ChangeFeed;
        var position = feed.Parse(since, nameof(since));
        var filter = selector is null ? null : Selector.Parse(selector);
        await foreach (var c in feed.ReadAsync(position, filter, includeDocs, live, () => Volatile.Read(ref _disposed) != 0, cancellationToken).ConfigureAwait(false))
            yield return new Change(c.Id, c.Rev, c.Deleted, c.Seq, c.Doc, c.FromSync);
    }

    /// <summary>Created on first use: it observes the store's writes from then on.</summary>
    private LocalChangeFeed ChangeFeed
    {
        get
        {
            if (Volatile.Read(ref _changes) is { } feed) return feed;
            lock (_store)
            {
                return _changes ??= new LocalChangeFeed(_store.Replica);
            }
        }
    }
}
