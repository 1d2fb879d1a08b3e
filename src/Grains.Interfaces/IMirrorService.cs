using Orleans.Serialization.Buffers;
using Orleans.Services;

namespace MyNoSql.Grains;

/// <summary>
/// The per-silo endpoint of a mirror (one instance on every silo, reached by silo address): its HTTP URL, and
/// direct access to that silo's own copy of the records for replication and anti-entropy.
/// </summary>
[Alias("mynosql.IMirrorService")]
public interface IMirrorService : IGrainService
{
    /// <summary>This mirror's silo name and HTTP base URL.</summary>
    [Alias("GetInfo")]
    Task<MirrorInfo> GetInfo(CancellationToken cancellationToken = default);

    /// <summary>The replica view this mirror's rebalancer last settled (<c>--replicas N</c>): while any active mirror has
    /// not settled the current one, record grains read every mirror instead of a read quorum of the holders.</summary>
    [Alias("GetSettledView")]
    Task<SettledView> GetSettledView(CancellationToken cancellationToken = default);

    /// <summary>The <c>--replicas</c> this mirror runs with (0: every mirror keeps a full copy). A mirror compares it with
    /// its own before it joins, and refuses to start on a difference (DESIGN §12).</summary>
    [Alias("GetReplicas")]
    Task<int> GetReplicas(CancellationToken cancellationToken = default);

    /// <summary>Merges a replicated revision into this silo's copy; returns once durable.</summary>
    [Alias("Apply")]
    Task<MergeStatus> Apply(string database, string id, ReplicatedRevision revision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges many replicated revisions into this silo's copy (revisions of one record in their order, records
    /// concurrently, so the store's group commit syncs them together); returns once all are durable. One result per
    /// revision, in order; null where that revision failed here (the others are unaffected).
    /// </summary>
    [Alias("ApplyBatch")]
    Task<MergeStatus?[]> ApplyBatch(ReplicatedRecord[] records, CancellationToken cancellationToken = default);

    /// <summary>Every leaf this silo holds for each of <paramref name="records"/> (as <see cref="GetLeaves"/>), in order.</summary>
    [Alias("GetLeavesBatch")]
    Task<ReplicatedRevision[][]> GetLeavesBatch(RecordRef[] records, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges many replicated revisions (<paramref name="ids"/>[i] with <paramref name="revisions"/>[i]) into this silo's
    /// copy with one durable batch write; returns once all are durable, one status per revision (a push applied in a batch
    /// by another silo: one message per silo instead of one per record).
    /// </summary>
    [Alias("ApplyPushBatch")]
    Task<MergeStatus[]> ApplyPushBatch(string database, string[] ids, ReplicatedRevision[] revisions, CancellationToken cancellationToken = default);

    /// <summary>Every leaf this silo holds for a record (winner first); empty when unknown.</summary>
    [Alias("GetLeaves")]
    Task<ReplicatedRevision[]> GetLeaves(string database, string id, CancellationToken cancellationToken = default);

    /// <summary>Names of the databases this silo holds records of.</summary>
    [Alias("ListDatabases")]
    Task<string[]> ListDatabases(CancellationToken cancellationToken = default);

    /// <summary>This silo's digest of every index segment of a database (index = segment number).</summary>
    [Alias("GetDigests")]
    Task<SegmentDigest[]> GetDigests(string database, CancellationToken cancellationToken = default);

    /// <summary>
    /// Under <c>--replicas N</c>: this silo's digest, per index segment of <paramref name="database"/>, of the records it
    /// holds whose replica set includes <paramref name="peer"/> (what both should hold; DESIGN §12); empty when replicas are
    /// not active or <paramref name="peer"/> is not an active member here (compare every segment then).
    /// </summary>
    [Alias("GetReplicaDigests")]
    Task<SegmentDigest[]> GetReplicaDigests(string database, SiloAddress peer, CancellationToken cancellationToken = default);

    /// <summary>This silo's entries of one index segment (sequence 0: local copies have no shared sequence).</summary>
    [Alias("GetSegment")]
    Task<IndexEntryInfo[]> GetSegment(string database, int segment, CancellationToken cancellationToken = default);

    /// <summary>
    /// This silo's entries of one index segment changed after <paramref name="since"/> in its own sequence space
    /// (<see cref="SegmentChanges.Epoch"/>; from 0 when <paramref name="epoch"/> is another), at most
    /// <paramref name="limit"/>: what the cluster's index segment grain tails, so no record this silo stores stays out of
    /// the change feed.
    /// </summary>
    [Alias("GetSegmentChanges")]
    Task<SegmentChanges> GetSegmentChanges(string database, int segment, long epoch, long since, int limit, CancellationToken cancellationToken = default);

    /// <summary>The chunk ids of <paramref name="chunkIds"/> this silo's chunk store of <paramref name="database"/> lacks.</summary>
    [Alias("MissingAttachmentChunks")]
    Task<string[]> MissingAttachmentChunks(string database, string[] chunkIds, CancellationToken cancellationToken = default);

    /// <summary>Stores one attachment chunk (raw bytes; the id is checked against their SHA-256) in this silo's chunk
    /// store; a chunk already held is not written again. It becomes durable and held with the next group of received
    /// chunks or at the latest when <see cref="PutAttachmentManifest"/> names it (a crash before loses it, and that call then
    /// lists it as missing). False when the bytes do not match the id. The bytes travel
    /// as an Orleans <see cref="PooledBuffer"/> (no 1 MiB array on the large-object heap): the caller's copy is given back
    /// to its pool when the message is serialized, the receiver disposes its own.</summary>
    [Alias("PutAttachmentChunk")]
    Task<bool> PutAttachmentChunk(string database, string chunkId, PooledBuffer raw, CancellationToken cancellationToken = default);

    /// <summary>Makes the chunks it names that <see cref="PutAttachmentChunk"/> received durable, then stores the
    /// attachment manifest once every chunk it names is held; returns the chunks still missing (empty = stored).</summary>
    [Alias("PutAttachmentManifest")]
    Task<string[]> PutAttachmentManifest(string database, AttachmentManifestInfo manifest, CancellationToken cancellationToken = default);

    /// <summary>This silo's manifest of a body (by digest), when it holds the whole body; else null.</summary>
    [Alias("GetAttachmentManifest")]
    Task<AttachmentManifestInfo?> GetAttachmentManifest(string database, string digest, CancellationToken cancellationToken = default);

    /// <summary>One chunk's raw bytes (verified) from this silo's chunk store, as a <see cref="PooledBuffer"/> the caller
    /// disposes; empty when not held (a chunk is never empty).</summary>
    [Alias("GetAttachmentChunk")]
    Task<PooledBuffer> GetAttachmentChunk(string database, string chunkId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops <paramref name="database"/> from this silo's copy as of <paramref name="stamp"/> (a hybrid-clock stamp of the
    /// drop): records, index segments' state, secondary indexes and their catalog copy, merge policy, attachment chunks;
    /// a durable marker then refuses every revision of it stamped at or before the drop. Idempotent. True when this silo
    /// held anything of it.
    /// </summary>
    [Alias("DropDatabase")]
    Task<bool> DropDatabase(string database, long stamp, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the drop markers of <paramref name="known"/> (database → drop stamp) this silo has not applied yet, and
    /// returns this silo's markers: how a mirror that was down during a drop learns it before it serves.
    /// </summary>
    [Alias("ExchangeDrops")]
    Task<Dictionary<string, long>> ExchangeDrops(Dictionary<string, long> known, CancellationToken cancellationToken = default);
}
