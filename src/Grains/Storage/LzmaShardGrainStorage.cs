using MyNoSql.Grains.Records;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;
using Orleans.Serialization;
using Orleans.Storage;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// The <c>lzma-shards</c> <see cref="IGrainStorage"/>: grain state in this silo's local <see cref="MirrorStore"/>.
/// A record's state is stored as its <see cref="DocumentRecord"/> encoding (so replication and the index can
/// read it without the grain); any other state type goes through the Orleans serializer. ETags are payload hashes.
/// </summary>
internal sealed class LzmaShardGrainStorage(MirrorStoreHost host, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = await host.Store.ConfigureAwait(false);
        string key = MirrorKeys.ForState(stateName, grainId);
        var (payload, etag) = await store.ReadAsync(key).ConfigureAwait(false);
        if (payload is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = typeof(T) == typeof(RecordState)
            ? (T)(object)new RecordState { Payload = payload.Value.ToArray() }
            : serializer.Deserialize<T>(payload.Value.Span);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = await host.Store.ConfigureAwait(false);
        string key = MirrorKeys.ForState(stateName, grainId);
        byte[] payload;
        Revision revision = default;
        RecordFlags flags = RecordFlags.None;
        if (grainState.State is RecordState record)
        {
            payload = record.Payload ?? [];
            if (payload.Length > 0)
            {
                var decoded = RecordCodec.Decode(store.Directory, key, payload);
                revision = decoded.Winner.Rev;
                flags = RecordCodec.FlagsOf(decoded);
            }
        }
        else
        {
            payload = serializer.SerializeToArray(grainState.State);
        }
        grainState.ETag = await store.WriteAsync(key, grainState.ETag, payload, revision, flags).ConfigureAwait(false);
        grainState.RecordExists = payload.Length > 0;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var store = await host.Store.ConfigureAwait(false);
        string key = MirrorKeys.ForState(stateName, grainId);
        await store.WriteAsync(key, grainState.ETag, ReadOnlyMemory<byte>.Empty, default, RecordFlags.Deleted).ConfigureAwait(false);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }
}
