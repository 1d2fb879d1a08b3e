using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Mirror;
using MyNoSql.Grains.Placement;
using MyNoSql.Storage.Attachments;
using Orleans.Serialization.Buffers;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// Moves attachment bodies between this silo's chunk stores and the other silos' (through the per-silo
/// <see cref="IMirrorService"/>, like records): <see cref="EnsureQuorumAsync"/> copies a body this silo holds to a write
/// quorum (only the chunks each silo lacks), <see cref="FetchAsync"/> pulls a body this silo lacks from any silo that
/// holds it (read repair and anti-entropy).
/// Under <c>--replicas N</c> (while <see cref="ReplicaSets.Active"/>) a body goes only to the holders of the record that
/// names it (<see cref="Targets"/>), and a silo that does not hold that record reads it from a holder without keeping
/// a copy (<see cref="OpenRemote"/>); otherwise every active silo gets every body, as before.
/// </summary>
internal sealed partial class AttachmentCopies(MirrorAttachments attachments, Replicator replicator, IMirrorServiceClient mirrors,
    ReplicaSets sets, ILogger<AttachmentCopies> logger)
{
    /// <summary>Chunks of the peers' sync uploads being copied to the other silos at once (each a buffer per silo).</summary>
    internal const int ForwardsInFlight = 4;

    private readonly SemaphoreSlim _forwardSlots = new(ForwardsInFlight, ForwardsInFlight);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _forwarding = new();

    /// <summary>True while bodies are placed on replica sets rather than on every mirror.</summary>
    public bool Placed => sets.Active;

    /// <summary>
    /// Where a body goes: the other silos to copy it to, how many of them must acknowledge, and whether this silo keeps a
    /// copy. Full copies: every other active silo, a write quorum of all, kept here. Under replicas: the holders of
    /// <paramref name="placementId"/> (the record that names the body), a majority of the N holders (this silo counted
    /// when it is one), kept here only when this silo is a holder.
    /// </summary>
    public (SiloAddress[] Others, int Needed, bool KeepHere) Targets(string database, string placementId)
    {
        if (sets.Active)
        {
            var holders = sets.Holders(database, placementId);
            bool self = Array.IndexOf(holders, sets.Local) >= 0;
            return ([.. holders.Where(h => !h.Equals(sets.Local))], sets.WriteQuorum - (self ? 1 : 0), self);
        }
        var others = replicator.OtherActiveSilos();
        return (others, others.Length == 0 ? 0 : replicator.AcksNeeded(others.Length), true);
    }

    /// <summary>
    /// The placement id of a body uploaded by the peers' sync routes, which do not say which record names it: the body's
    /// own digest, so one body always lands on the same N mirrors (the record's holders then pull it by repair).
    /// </summary>
    public static string BodyPlacementId(string digest) => "\0att\0" + digest;

    /// <summary>Whether this silo should keep the bodies of record <paramref name="id"/> (always without replicas).</summary>
    public bool KeepsBodiesOf(string database, string id) => !sets.Active || sets.HoldsLocally(database, id);

    /// <summary>
    /// Makes sure a write quorum of silos (this one included when it keeps the body) holds the body of
    /// <paramref name="manifest"/>, which this silo holds. Copies to every target (<see cref="Targets"/> of
    /// <paramref name="placementId"/>) at once; returns true once enough have it (the rest finish in the background),
    /// false when too many failed.
    /// </summary>
    public async Task<bool> EnsureQuorumAsync(string database, AttachmentManifest manifest, string placementId, CancellationToken cancellationToken)
    {
        var (others, needed, _) = Targets(database, placementId);
        if (needed <= 0) return true;
        var copies = others.Select(silo => CopyToAsync(database, manifest, silo)).ToList();
        int acks = 0;
        while (copies.Count > 0 && acks < needed)
        {
            var done = await Task.WhenAny(copies).WaitAsync(cancellationToken).ConfigureAwait(false);
            copies.Remove(done);
            if (await done.ConfigureAwait(false)) acks++;
        }
        if (acks < needed) LogQuorumMissed(database, manifest.Digest, acks, needed);
        return acks >= needed;
    }

    /// <summary>Copies the chunks <paramref name="silo"/> lacks, then the manifest; true once it holds the body. Never throws.</summary>
    public async Task<bool> CopyToAsync(string database, AttachmentManifest manifest, SiloAddress silo)
    {
        var timeout = attachments.Options.CopyTimeout;
        try
        {
            var store = attachments.Store(database);
            var service = mirrors.For(silo);
            var wire = ManifestWire.ToWire(manifest);
            var missing = await service.PutAttachmentManifest(database, wire).WaitAsync(timeout).ConfigureAwait(false);
            if (missing.Length == 0) return true;
            byte[] buffer = ChunkBuffers.Rent();
            try
            {
                foreach (var id in missing)
                {
                    var message = ChunkBuffers.Message(buffer.AsSpan(0, store.ReadChunk(id, buffer)));
                    if (!await service.PutAttachmentChunk(database, id, message).WaitAsync(timeout).ConfigureAwait(false))
                        throw new InvalidOperationException($"silo refused chunk {id}");
                }
            }
            finally
            {
                ChunkBuffers.Return(buffer);
            }
            missing = await service.PutAttachmentManifest(database, wire).WaitAsync(timeout).ConfigureAwait(false);
            return missing.Length == 0;
        }
        catch (Exception e)
        {
            LogCopyFailed(e, database, manifest.Digest, silo);
            return false;
        }
    }

    /// <summary>
    /// Pulls the body <paramref name="digest"/> from the other silos into this silo's store (manifest from the first that
    /// holds it, each missing chunk from any that answers). True when this silo holds the whole body afterwards.
    /// </summary>
    public async Task<bool> FetchAsync(string database, string digest, CancellationToken cancellationToken)
    {
        var store = attachments.Store(database);
        if (store.HasBody(digest)) return true;
        var others = replicator.OtherActiveSilos();
        var timeout = attachments.Options.CopyTimeout;
        AttachmentManifest? manifest = store.TryGetManifest(digest);
        foreach (var silo in manifest is null ? others : [])
        {
            try
            {
                var wire = await mirrors.For(silo).GetAttachmentManifest(database, digest, cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                manifest = ManifestWire.FromWire(wire, attachments.ChunkSize, out _);
                if (manifest is not null && manifest.Digest == digest) break;
                manifest = null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFetchFailed(e, database, digest, silo);
            }
        }
        if (manifest is null) return false;
        foreach (var id in store.MissingChunks(manifest.Chunks))
        {
            bool got = false;
            foreach (var silo in others)
            {
                try
                {
                    var message = await mirrors.For(silo).GetAttachmentChunk(database, id, cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                    if (await StoreReceivedAsync(store, id, message, cancellationToken).ConfigureAwait(false) == 0) continue;
                    got = true;
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogFetchFailed(e, database, digest, silo);
                }
            }
            if (!got) return false;
        }
        await store.StoreManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        LogFetched(database, digest, manifest.Length);
        return true;
    }

    /// <summary>
    /// Starts copying one chunk this silo just stored to every other active silo and returns once the copies hold their
    /// own buffers (best effort; errors are logged). At most <see cref="ForwardsInFlight"/> chunks are on their way at a
    /// time: beyond that this waits for a slot. Not under replicas: a chunk alone does not tell which mirrors its body
    /// belongs on; the manifest's quorum check sends it there.
    /// </summary>
    /// <remarks>The peer's next chunk need not wait for this one's copies: its upload runs at one mirror's pace, and the
    /// manifest (<see cref="ForwardsSettledAsync"/>, then <see cref="EnsureQuorumAsync"/>) still waits for the quorum.</remarks>
    public async Task StartForwardChunkAsync(string database, string chunkId, ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
    {
        if (sets.Active) return;
        var silos = replicator.OtherActiveSilos();
        if (silos.Length == 0) return;
        await _forwardSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task forward;
        try
        {
            // Each copy takes its message buffer before the first await: the caller may reuse raw once this returns.
            forward = Task.WhenAll(silos.Select(silo => ForwardAsync(database, chunkId, silo, ChunkBuffers.Message(raw.Span))));
        }
        catch
        {
            _forwardSlots.Release();
            throw;
        }
        _forwarding.TryAdd(forward, 0);
        _ = forward.ContinueWith(static (t, state) =>
        {
            var self = (AttachmentCopies)state!;
            self._forwarding.TryRemove(t, out _);
            self._forwardSlots.Release();
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes once every chunk copy started before this call has ended (each is bounded by the copy timeout).</summary>
    public Task ForwardsSettledAsync() => _forwarding.IsEmpty ? Task.CompletedTask : Task.WhenAll(_forwarding.Keys);

    private async Task ForwardAsync(string database, string chunkId, SiloAddress silo, PooledBuffer message)
    {
        try
        {
            await mirrors.For(silo).PutAttachmentChunk(database, chunkId, message).WaitAsync(attachments.Options.CopyTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogChunkCopyFailed(e, database, chunkId, silo);
        }
    }

    /// <summary>
    /// One chunk from the first other silo that holds it, copied into <paramref name="destination"/> (at least a chunk
    /// long) and stored here too unless <paramref name="keep"/> is false; returns its length, 0 when no silo holds it.
    /// </summary>
    public async Task<int> FetchChunkAsync(string database, string chunkId, Memory<byte> destination, CancellationToken cancellationToken, bool keep = true,
        string? placementId = null)
    {
        var store = attachments.Store(database);
        foreach (var silo in Sources(database, placementId))
        {
            try
            {
                var message = await mirrors.For(silo).GetAttachmentChunk(database, chunkId, cancellationToken)
                    .WaitAsync(attachments.Options.CopyTimeout, cancellationToken).ConfigureAwait(false);
                int n = await StoreReceivedAsync(keep ? store : null, chunkId, message, cancellationToken, destination).ConfigureAwait(false);
                if (n > 0) return n;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogChunkCopyFailed(e, database, chunkId, silo);
            }
        }
        return 0;
    }

    /// <summary>
    /// The manifest of body <paramref name="digest"/> from the first other silo that holds it, not stored here (a silo
    /// that does not hold the record reads the body through <see cref="OpenRemote"/>); null when none answers with it.
    /// </summary>
    public async Task<AttachmentManifest?> FetchManifestAsync(string database, string digest, CancellationToken cancellationToken, string? placementId = null)
    {
        foreach (var silo in Sources(database, placementId))
        {
            try
            {
                var wire = await mirrors.For(silo).GetAttachmentManifest(database, digest, cancellationToken)
                    .WaitAsync(attachments.Options.CopyTimeout, cancellationToken).ConfigureAwait(false);
                var manifest = ManifestWire.FromWire(wire, attachments.ChunkSize, out _);
                if (manifest is not null && manifest.Digest == digest) return manifest;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFetchFailed(e, database, digest, silo);
            }
        }
        return null;
    }

    /// <summary>
    /// The body of <paramref name="manifest"/> read chunk by chunk from the silos that hold it, nothing stored here
    /// (seekable, one chunk in memory): what a gateway that is not one of the record's holders serves.
    /// </summary>
    public Stream OpenRemote(string database, string id, AttachmentManifest manifest) => new RemoteAttachmentStream(this, database, id, manifest);

    /// <summary>The other active silos to ask for a body, the holders of <paramref name="placementId"/> first (under replicas the others rarely have it).</summary>
    private IEnumerable<SiloAddress> Sources(string database, string? placementId)
    {
        var others = replicator.OtherActiveSilos();
        if (placementId is null || !sets.Active) return others;
        var holders = sets.Holders(database, placementId);
        return others.OrderBy(s => Array.IndexOf(holders, s) is int i and >= 0 ? i : int.MaxValue);
    }

    /// <summary>
    /// The manifest to serve body <paramref name="digest"/> of record <paramref name="id"/> from, and whether its bytes are
    /// here: this silo's copy; else, when this silo keeps the record's bodies, a copy fetched here (read repair); else
    /// (a non-holder under replicas) the manifest of a holder, the bytes to be read remotely. Null when no silo has it.
    /// </summary>
    public async Task<(AttachmentManifest Manifest, bool Local)?> LocateAsync(string database, string id, string digest, CancellationToken cancellationToken)
    {
        var store = attachments.Store(database);
        if (store.HasBody(digest) && store.TryGetManifest(digest) is { } held) return (held, true);
        if (KeepsBodiesOf(database, id))
        {
            if (await FetchAsync(database, digest, cancellationToken).ConfigureAwait(false) && store.TryGetManifest(digest) is { } fetched) return (fetched, true);
            return null;
        }
        return await FetchManifestAsync(database, digest, cancellationToken, id).ConfigureAwait(false) is { } remote ? (remote, false) : null;
    }

    /// <summary>
    /// Stores a chunk received from another silo (checked against its id; disposes the message) and copies it into
    /// <paramref name="copy"/> when given; returns its length, 0 when the silo did not hold it.
    /// </summary>
    private static async Task<int> StoreReceivedAsync(AttachmentStore? store, string chunkId, PooledBuffer message, CancellationToken cancellationToken,
        Memory<byte> copy = default)
    {
        byte[]? buffer = ChunkBuffers.Take(ref message, out int length);
        if (buffer is null) throw new InvalidOperationException($"chunk {chunkId} came back longer than a chunk ({length} bytes)");
        try
        {
            if (length == 0) return 0;
            if (store is null)
            {
                // Not kept: still checked, so a damaged copy elsewhere is never served.
                if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.AsSpan(0, length))) != chunkId) throw new InvalidOperationException($"chunk {chunkId} came back with other bytes");
            }
            else await store.PutChunkAsync(chunkId, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            if (!copy.IsEmpty) buffer.AsSpan(0, length).CopyTo(copy.Span);
            return length;
        }
        finally
        {
            ChunkBuffers.Return(buffer);
        }
    }

    [LoggerMessage(EventId = 3614, Level = LogLevel.Warning, Message = "Copying attachment chunk {Chunk} of {Database} to or from {Silo} failed")]
    private partial void LogChunkCopyFailed(Exception error, string database, string chunk, SiloAddress silo);

    [LoggerMessage(EventId = 3610, Level = LogLevel.Warning, Message = "Copying attachment body {Digest} of {Database} to {Silo} failed; anti-entropy will repair it")]
    private partial void LogCopyFailed(Exception error, string database, string digest, SiloAddress silo);

    [LoggerMessage(EventId = 3611, Level = LogLevel.Warning, Message = "Attachment body {Digest} of {Database}: write quorum missed ({Acks} of {Needed} other mirrors)")]
    private partial void LogQuorumMissed(string database, string digest, int acks, int needed);

    [LoggerMessage(EventId = 3612, Level = LogLevel.Warning, Message = "Fetching attachment body {Digest} of {Database} from {Silo} failed")]
    private partial void LogFetchFailed(Exception error, string database, string digest, SiloAddress silo);

    [LoggerMessage(EventId = 3613, Level = LogLevel.Information, Message = "Attachment body {Digest} of {Database} ({Length} bytes) copied here from another mirror")]
    private partial void LogFetched(string database, string digest, long length);
}
