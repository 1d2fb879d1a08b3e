using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// The mirror side of the peer sync protocol for one database (key: the database name), a stateless worker the
/// Orleans peer transport calls. It runs the same sync service as the HTTP gateway's <c>/db/{db}/sync/…</c> routes
/// (same paging, per-leaf push results, 16 MiB fetch answers). See src/Storage/Sync/README.md.
/// </summary>
[Alias("mynosql.ISyncGrain")]
public interface ISyncGrain : IGrainWithStringKey
{
    /// <summary>Index entries changed since <paramref name="checkpoint"/> (flattened epoch/sequence pairs; empty = all),
    /// at most about <paramref name="limit"/>, only ids starting with one of <paramref name="prefixes"/> (none = all).
    /// Cancelling (the client went away) stops the 64 segment reads.</summary>
    [Alias("GetChanges"), ReadOnly]
    ValueTask<SyncChanges> GetChanges(long[] checkpoint, int limit, string[] prefixes, CancellationToken cancellationToken = default);

    /// <summary>Applies a pushed record batch (Brotli RecordBatch, at most 64 MiB compressed or decoded) through the
    /// record grains' accept rule; one result per leaf. Started merges finish even when cancelled.</summary>
    [Alias("Push")]
    ValueTask<SyncPushReply> Push(byte[] batch, CancellationToken cancellationToken = default);

    /// <summary>The given records as a record batch, in the order asked (unknown ids left out), ending early once about
    /// 16 MiB of content is in it: ask again for the ids not answered.</summary>
    [Alias("Fetch"), ReadOnly]
    ValueTask<byte[]> Fetch(string[] ids, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="Fetch"/>, with the revision the peer holds of each id (<paramref name="heldRevs"/>, aligned with
    /// <paramref name="ids"/>; null: send it whole): a record's leaves come relative to that revision, bodies as deltas
    /// against its body, when this mirror keeps it (delta sync).</summary>
    [Alias("FetchSince"), ReadOnly]
    ValueTask<byte[]> FetchSince(string[] ids, string?[] heldRevs, CancellationToken cancellationToken = default);
}
