using MyNoSql.Grains.Records;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// The <c>lzma-shards</c> <see cref="IGrainStorage"/>: grain state in this silo's local <see cref="MirrorStore"/>.
/// A record grain's state goes to the replica store as the <see cref="MyNoSql.Storage.Documents.DocumentRecord"/> the
/// grain holds (revision and flags come from it; nothing is decoded again), so replication and the index read it
/// without the grain; any other state type goes through the Orleans serializer. ETags are the store's version stamps.
/// A record whose copy here is damaged reads as none with <see cref="RecordState.Damage"/> set (the grain rewrites it).
/// </summary>
internal sealed class LzmaShardGrainStorage(MirrorStoreHost host, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = await host.Store.ConfigureAwait(false);
        string key = MirrorKeys.ForState(stateName, grainId);
        if (typeof(T) == typeof(RecordState))
        {
            var (record, recordEtag, damage) = await store.ReadRecordStateAsync(key).ConfigureAwait(false);
            grainState.State = (T)(object)new RecordState(record) { Damage = damage };
            grainState.ETag = recordEtag;
            grainState.RecordExists = record is not null;
            return;
        }
        var (payload, etag) = await store.ReadStateAsync(key).ConfigureAwait(false);
        grainState.ETag = etag;
        grainState.RecordExists = payload is not null;
        if (payload is not null) grainState.State = serializer.Deserialize<T>(payload.Value.Span);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = await host.Store.ConfigureAwait(false);
        string key = MirrorKeys.ForState(stateName, grainId);
        if (grainState.State is RecordState state)
        {
            // A state filled by hand (Payload only) is decoded here; the record grain always sets Record.
            var record = state.Record ?? (state.Payload is { Length: > 0 } bytes && MirrorKeys.TryParseRecord(key, out _, out var id)
                ? RecordCodec.Decode(store.Directory, id, bytes)
                : null);
            grainState.ETag = await store.WriteRecordStateAsync(key, grainState.ETag, record).ConfigureAwait(false);
            grainState.RecordExists = record is not null;
            return;
        }
        byte[] payload = serializer.SerializeToArray(grainState.State);
        grainState.ETag = await store.WriteStateAsync(key, grainState.ETag, payload).ConfigureAwait(false);
        grainState.RecordExists = payload.Length > 0;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = await host.Store.ConfigureAwait(false);
        string key = MirrorKeys.ForState(stateName, grainId);
        await store.WriteStateAsync(key, grainState.ETag, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }
}
