using System.Collections.Concurrent;
using MyNoSql.Grains;
using MyNoSql.Grains.Mirror;
using Orleans.Serialization.Buffers;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// An <see cref="IMirrorServiceClient"/> whose replication (<see cref="IMirrorService.Apply"/>, <see cref="IMirrorService.ApplyBatch"/>, <see cref="IMirrorService.ApplyPushBatch"/>) to the silos named in
/// <see cref="Held"/> waits until they are released: those silos miss writes that a quorum of the others acknowledged,
/// as a mirror outside a write's quorum does while replication is in flight.
/// </summary>
internal sealed class LaggingMirrors(IServiceProvider services) : IMirrorServiceClient
{
    private readonly MirrorServiceClient _inner = new(services);

    /// <summary>Silo names (<c>Orleans:Name</c>) whose incoming replication is held, with the gate that releases it.</summary>
    public static ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new(StringComparer.Ordinal);

    public IMirrorService For(SiloAddress silo) => new Lagging(_inner.For(silo));

    private sealed class Lagging(IMirrorService inner) : IMirrorService
    {
        public Task<MirrorInfo> GetInfo(CancellationToken cancellationToken = default) => inner.GetInfo(cancellationToken);

        public Task<SettledView> GetSettledView(CancellationToken cancellationToken = default) => inner.GetSettledView(cancellationToken);

        public Task<int> GetReplicas(CancellationToken cancellationToken = default) => inner.GetReplicas(cancellationToken);

        public async Task<MergeStatus> Apply(string database, string id, ReplicatedRevision revision, CancellationToken cancellationToken = default)
        {
            var info = await inner.GetInfo(cancellationToken);
            if (Held.TryGetValue(info.SiloName, out var gate)) await gate.Task;
            return await inner.Apply(database, id, revision, cancellationToken);
        }

        public async Task<MergeStatus?[]> ApplyBatch(ReplicatedRecord[] records, CancellationToken cancellationToken = default)
        {
            var info = await inner.GetInfo(cancellationToken);
            if (Held.TryGetValue(info.SiloName, out var gate)) await gate.Task;
            return await inner.ApplyBatch(records, cancellationToken);
        }

        public Task<ReplicatedRevision[][]> GetLeavesBatch(RecordRef[] records, CancellationToken cancellationToken = default) => inner.GetLeavesBatch(records, cancellationToken);

        public async Task<MergeStatus[]> ApplyPushBatch(string database, string[] ids, ReplicatedRevision[] revisions, CancellationToken cancellationToken = default)
        {
            var info = await inner.GetInfo(cancellationToken);
            if (Held.TryGetValue(info.SiloName, out var gate)) await gate.Task;
            return await inner.ApplyPushBatch(database, ids, revisions, cancellationToken);
        }

        public Task<ReplicatedRevision[]> GetLeaves(string database, string id, CancellationToken cancellationToken = default) => inner.GetLeaves(database, id, cancellationToken);

        public Task<string[]> ListDatabases(CancellationToken cancellationToken = default) => inner.ListDatabases(cancellationToken);

        public Task<SegmentDigest[]> GetDigests(string database, CancellationToken cancellationToken = default) => inner.GetDigests(database, cancellationToken);

        public Task<IndexEntryInfo[]> GetSegment(string database, int segment, CancellationToken cancellationToken = default) => inner.GetSegment(database, segment, cancellationToken);

        public Task<SegmentChanges> GetSegmentChanges(string database, int segment, long epoch, long since, int limit, CancellationToken cancellationToken = default) =>
            inner.GetSegmentChanges(database, segment, epoch, since, limit, cancellationToken);

        public Task<SegmentDigest[]> GetReplicaDigests(string database, SiloAddress peer, CancellationToken cancellationToken = default) =>
            inner.GetReplicaDigests(database, peer, cancellationToken);

        public Task<string[]> MissingAttachmentChunks(string database, string[] chunkIds, CancellationToken cancellationToken = default) =>
            inner.MissingAttachmentChunks(database, chunkIds, cancellationToken);

        public Task<bool> PutAttachmentChunk(string database, string chunkId, PooledBuffer raw, CancellationToken cancellationToken = default) =>
            inner.PutAttachmentChunk(database, chunkId, raw, cancellationToken);

        public Task<string[]> PutAttachmentManifest(string database, AttachmentManifestInfo manifest, CancellationToken cancellationToken = default) =>
            inner.PutAttachmentManifest(database, manifest, cancellationToken);

        public Task<AttachmentManifestInfo?> GetAttachmentManifest(string database, string digest, CancellationToken cancellationToken = default) =>
            inner.GetAttachmentManifest(database, digest, cancellationToken);

        public Task<PooledBuffer> GetAttachmentChunk(string database, string chunkId, CancellationToken cancellationToken = default) =>
            inner.GetAttachmentChunk(database, chunkId, cancellationToken);

        public Task<bool> DropDatabase(string database, long stamp, CancellationToken cancellationToken = default) =>
            inner.DropDatabase(database, stamp, cancellationToken);

        public Task<Dictionary<string, long>> ExchangeDrops(Dictionary<string, long> known, CancellationToken cancellationToken = default) =>
            inner.ExchangeDrops(known, cancellationToken);
    }
}
