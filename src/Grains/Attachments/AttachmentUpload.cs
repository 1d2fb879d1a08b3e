using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MyNoSql.Grains.Mirror;
using MyNoSql.Storage.Attachments;

namespace MyNoSql.Grains.Attachments;

/// <summary>
/// Stores a streamed attachment body on this silo and on a write quorum of silos at once (DESIGN §9): the body is cut
/// into chunks as it arrives; each chunk is written here (skipped when already stored; made durable a group at a time,
/// <see cref="ChunkGroups"/>) while it is copied to every other active silo; then the manifest goes everywhere. Memory
/// stays bounded by the chunks in flight (a few MiB), whatever the body's size. Under <c>--replicas N</c> "every silo" is the N holders of the record
/// (<see cref="AttachmentCopies.Targets"/>): a gateway that is not one of them only streams the body through, keeping
/// nothing (no stray copy to collect, no disk used on a mirror that does not hold the record).
/// </summary>
internal sealed partial class AttachmentUpload(MirrorAttachments attachments, AttachmentCopies copies, IMirrorServiceClient mirrors,
    ILogger<AttachmentUpload> logger)
{
    /// <summary>Local chunk writes in flight on pool threads, as on the peer (<c>AttachmentStore.PutAsync</c>).</summary>
    private const int LocalWritesInFlight = 4;

    /// <summary>
    /// Reads <paramref name="body"/> (an attachment of record <paramref name="id"/>) to its end and stores it; returns its
    /// manifest and whether a write quorum (this silo included when it keeps the body) holds it. Silos beyond the quorum
    /// finish in the background.
    /// </summary>
    /// <exception cref="AttachmentTooLargeException">The body is longer than the maximum attachment size (nothing named it).</exception>
    public async Task<(AttachmentManifest Manifest, bool Quorum)> StoreAsync(string database, string id, Stream body, CancellationToken cancellationToken)
    {
        var store = attachments.Store(database);
        int size = attachments.ChunkSize;
        long max = attachments.MaxAttachmentBytes;
        var (others, needed, keepHere) = copies.Targets(database, id);
        if (!keepHere) LogPassingThrough(database, id, others.Length);
        var forwards = others.Select(s => new SiloForward(s, mirrors.For(s), database, attachments.Options.ChunksInFlight, attachments.Options.CallsInFlight, attachments.Options.CopyTimeout)).ToArray();
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var ids = new List<string>();
        var writes = new Queue<Task>();
        var chunks = new ChunkGroups(store);
        await using var _ = chunks.ConfigureAwait(false);
        long total = 0;
        bool done = false;
        try
        {
            while (true)
            {
                byte[] buffer = ChunkBuffers.Rent();
                int n;
                try
                {
                    n = await body.ReadAtLeastAsync(buffer.AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    total += n;
                    if (total > max) throw new AttachmentTooLargeException(max);
                }
                catch
                {
                    ChunkBuffers.Return(buffer);
                    throw;
                }
                if (n == 0)
                {
                    ChunkBuffers.Return(buffer);
                    break;
                }
                // The chunk's hash on a pool thread while this one adds the chunk to the body's hash: the two SHA-256 passes
                // over each chunk run on two cores instead of one after the other in series with the request's reads.
                var chunkHash = Task.Run(() => ChunkFile.IdOf(buffer.AsSpan(0, n)), CancellationToken.None);
                whole.AppendData(buffer, 0, n);
                var chunk = new SharedChunk(await chunkHash.ConfigureAwait(false), buffer, n, (keepHere ? 1 : 0) + forwards.Length);
                ids.Add(chunk.Id);
                if (keepHere)
                {
                    writes.Enqueue(Task.Run(() =>
                    {
                        try { chunks.Write(chunk.Id, chunk.Memory.Span); }
                        finally { chunk.Release(); }
                    }, CancellationToken.None));
                }
                foreach (var forward in forwards) await forward.EnqueueAsync(chunk, cancellationToken).ConfigureAwait(false);
                while (writes.Count >= LocalWritesInFlight)
                {
                    await writes.Dequeue().ConfigureAwait(false);
                    await chunks.CommitIfFullAsync().ConfigureAwait(false);
                }
                if (n < size) break;
            }
            while (writes.Count > 0) await writes.Dequeue().ConfigureAwait(false);
            await chunks.CompleteAsync().ConfigureAwait(false);
            done = true;
        }
        finally
        {
            if (!done)
            {
                foreach (var forward in forwards) forward.Abort();
                // Never leave a local write reading a buffer after the caller moved on.
                foreach (var write in writes) await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        var manifest = new AttachmentManifest(AttachmentStubs.FormatDigest(whole.GetHashAndReset()), total, size, ids);
        if (keepHere) await store.StoreManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        if (needed <= 0) return (manifest, true);
        var finishing = forwards.Select(f => FinishAsync(database, manifest, f)).ToList();
        int acks = 0;
        while (finishing.Count > 0 && acks < needed)
        {
            var finished = await Task.WhenAny(finishing).WaitAsync(cancellationToken).ConfigureAwait(false);
            finishing.Remove(finished);
            if (await finished.ConfigureAwait(false)) acks++;
        }
        if (acks < needed) LogQuorumMissed(database, manifest.Digest, acks, needed);
        return (manifest, acks >= needed);
    }

    /// <summary>
    /// Waits for a silo's chunk copies, then gives it the manifest (sending whatever chunk it still lacks, from this silo's
    /// copy; a gateway passing the body through has none, so a silo that missed a chunk then counts as failed).
    /// </summary>
    private async Task<bool> FinishAsync(string database, AttachmentManifest manifest, SiloForward forward)
    {
        await forward.CompleteAsync().ConfigureAwait(false);
        if (forward.Failed)
        {
            LogForwardFailed(forward.Error, database, manifest.Digest, forward.Silo);
            return false;
        }
        return await copies.CopyToAsync(database, manifest, forward.Silo).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3622, Level = LogLevel.Debug, Message = "Attachment body of record {Id} in {Database}: this mirror is not a holder; streaming it to the {Holders} holders without keeping a copy")]
    private partial void LogPassingThrough(string database, string id, int holders);

    [LoggerMessage(EventId = 3620, Level = LogLevel.Warning, Message = "Copying the chunks of attachment body {Digest} of {Database} to {Silo} failed; anti-entropy will repair it")]
    private partial void LogForwardFailed(Exception? error, string database, string digest, SiloAddress silo);

    [LoggerMessage(EventId = 3621, Level = LogLevel.Warning, Message = "Attachment body {Digest} of {Database}: write quorum missed ({Acks} of {Needed} other mirrors)")]
    private partial void LogQuorumMissed(string database, string digest, int acks, int needed);
}
