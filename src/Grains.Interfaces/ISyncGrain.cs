using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// The mirror side of the peer sync protocol for one database (key: the database name), a stateless worker
/// used by the HTTP gateway's <c>/db/{db}/sync/…</c> routes (and usable by an Orleans transport as is).
/// See src/Storage/Sync/README.md.
/// </summary>
[Alias("mynosql.ISyncGrain")]
public interface ISyncGrain : IGrainWithStringKey
{
    /// <summary>The poll token of the current checkpoint vector of the 64 index segments.</summary>
    [Alias("GetToken"), ReadOnly]
    ValueTask<string> GetToken();

    /// <summary>Index entries changed since <paramref name="checkpoint"/> (flattened epoch/sequence pairs; empty = all),
    /// at most about <paramref name="limit"/>, only ids starting with one of <paramref name="prefixes"/> (none = all).
    /// Cancelling (the HTTP client went away) stops the 64 segment reads.</summary>
    [Alias("GetChanges"), ReadOnly]
    ValueTask<SyncChanges> GetChanges(long[] checkpoint, int limit, string[] prefixes, CancellationToken cancellationToken = default);

    /// <summary>Applies a pushed record batch (Brotli RecordBatch) through the record grains' replication rules.</summary>
    [Alias("Push")]
    ValueTask<SyncPushReply> Push(byte[] batch);

    /// <summary>Every leaf of the given records as a record batch; unknown ids are left out.</summary>
    [Alias("Fetch"), ReadOnly]
    ValueTask<byte[]> Fetch(string[] ids);
}

/// <summary>
/// A page of index changes and the checkpoint after it, with the mirrors' tombstone horizon in seconds: a peer that
/// has not pulled for longer must resync fully (deleted records may have left the index meanwhile).
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.SyncChanges")]
public sealed record SyncChanges([property: Id(0)] long[] Checkpoint, [property: Id(1)] IndexEntryInfo[] Entries, [property: Id(2)] bool More, [property: Id(3)] long HorizonSeconds);

/// <summary>Per-record results of a push (in batch order), or the reason the batch was rejected.</summary>
[GenerateSerializer, Immutable, Alias("mynosql.SyncPushReply")]
public sealed record SyncPushReply([property: Id(0)] string? Error, [property: Id(1)] MergeStatus[] Results);
