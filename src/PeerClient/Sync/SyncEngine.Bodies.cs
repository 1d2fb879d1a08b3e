using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Sync;

// Attachment bodies (issue 15; src/Storage/Sync/README.md "Attachment bodies"): a record's bodies are uploaded before the
// record is pushed, and downloaded (Mirror mode) before a pulled record is stored, so no replica holds a stub from this
// peer without its body. Only chunks the other side lacks travel, one at a time: an interrupted transfer resumes after
// the last whole chunk, and a body already there is never sent again.
internal sealed partial class SyncEngine
{
    /// <summary>Chunk ids per missing-chunks question (about 270 KB of JSON).</summary>
    private const int MissingBatch = 4096;

    // Uploads run one at a time by construction (the push builds its batches in order); the pull downloads one body at a
    // time (at most one chunk in flight); a body is downloaded once however many opens and pulls want it at the same time.
    private readonly SemaphoreSlim _pullBodyGate = new(1, 1);
    private readonly KeyLocks _bodyLocks = new();
    private long _bodyBytesSent;
    // What a round that succeeded still left undone (bodies a transport cannot carry, bodies over the size limit): kept as
    // SyncStatus.LastError after the round instead of being cleared by its success.
    private string? _roundWarning;
    private long _bodyBytesFetched;

    private void RecordWarning(string message)
    {
        Volatile.Write(ref _roundWarning, message);
        RecordError(message);
    }

    private AttachmentStore Attachments =>
        _store.Attachments ?? throw new InvalidOperationException($"Database '{_store.Name}' has no attachment store.");

    /// <summary>Attachment bytes uploaded and downloaded in this round (for <see cref="SyncProgress"/>).</summary>
    private (long Sent, long Fetched) BodyBytes => (Interlocked.Read(ref _bodyBytesSent), Interlocked.Read(ref _bodyBytesFetched));

    /// <summary>
    /// Uploads the bodies that the leaves of <paramref name="records"/> refer to and the mirror may lack; answers the
    /// records that can be pushed now. A digest already in an acknowledged revision of the record is on the mirrors
    /// (they take bodies before stubs) and is not checked again; a body this peer does not hold came from a mirror.
    /// A transport without body support keeps the records whose bodies it would have to carry in the outbox.
    /// </summary>
    private async Task<List<DocumentRecord>> UploadBodiesAsync(string mirror, List<DocumentRecord> records, HashSet<string> uploaded, CancellationToken ct)
    {
        if (_store.Attachments is not { } store) return records;
        var needs = new Dictionary<string, List<DocumentRecord>>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            foreach (string digest in UnackedDigests(record))
            {
                if (uploaded.Contains(digest)) continue;
                if (!needs.TryGetValue(digest, out var list)) needs[digest] = list = [];
                list.Add(record);
            }
        }
        if (needs.Count == 0) return records;
        var manifests = new List<AttachmentManifest>(needs.Count);
        foreach (string digest in needs.Keys)
        {
            // Not held here: the stub came from a mirror, which took the body before it.
            if (store.TryGetManifest(digest) is { } manifest) manifests.Add(manifest);
            else uploaded.Add(digest);
        }
        if (manifests.Count == 0) return records;
        var transport = Transport(mirror);
        try
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            var ask = manifests.SelectMany(m => m.Chunks).Distinct(StringComparer.Ordinal).ToList();
            for (int i = 0; i < ask.Count; i += MissingBatch)
                missing.UnionWith(await transport.MissingAttachmentChunksAsync(mirror, _store.Name, ask.GetRange(i, Math.Min(MissingBatch, ask.Count - i)), ct).ConfigureAwait(false));
            foreach (var manifest in manifests)
            {
                await SendChunksAsync(transport, mirror, [.. manifest.Chunks.Where(missing.Remove)], ct).ConfigureAwait(false);
                var json = ManifestNode(manifest);
                // Named after the first record that refers to it: under replicas the body lands on that record's holders.
                string recordId = needs[manifest.Digest][0].Id;
                var lacking = await transport.PutAttachmentManifestAsync(mirror, _store.Name, json, recordId, ct).ConfigureAwait(false);
                if (lacking.Count > 0)
                {
                    // The mirror lost or never kept some (another silo answered the question): send those and try once more.
                    await SendChunksAsync(transport, mirror, [.. lacking.Where(manifest.Chunks.Contains).Distinct(StringComparer.Ordinal)], ct).ConfigureAwait(false);
                    lacking = await transport.PutAttachmentManifestAsync(mirror, _store.Name, json, recordId, ct).ConfigureAwait(false);
                    if (lacking.Count > 0)
                        throw new MirrorUnavailableException($"{mirror}: database '{_store.Name}': body {manifest.Digest} still lacks {lacking.Count} chunks after they were sent");
                }
                uploaded.Add(manifest.Digest);
            }
            return records;
        }
        catch (NotSupportedException e)
        {
            // Records whose bodies this transport cannot carry wait in the outbox for a mirror that can take them.
            var held = needs.Where(n => !uploaded.Contains(n.Key)).SelectMany(n => n.Value).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            RecordWarning($"Database '{_store.Name}': {held.Count} records with attachment bodies stay in the outbox: {e.Message}");
            return [.. records.Where(r => !held.Contains(r.Id))];
        }
    }

    /// <summary>Sends chunks in order, one on the wire at a time, reading the next from disk while one is sent.</summary>
    private async Task SendChunksAsync(ISyncTransport transport, string mirror, IReadOnlyList<string> chunks, CancellationToken ct)
    {
        if (chunks.Count == 0) return;
        var store = Attachments;
        var next = store.ReadChunkAsync(chunks[0], ct).AsTask();
        for (int i = 0; i < chunks.Count; i++)
        {
            byte[] raw = await next.ConfigureAwait(false);
            next = i + 1 < chunks.Count ? store.ReadChunkAsync(chunks[i + 1], ct).AsTask() : null!;
            try
            {
                await transport.PutAttachmentChunkAsync(mirror, _store.Name, chunks[i], raw, ct).ConfigureAwait(false);
            }
            catch
            {
                if (next is not null) await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }
            Interlocked.Add(ref _bodyBytesSent, raw.Length);
            Report(more: false);
        }
    }

    /// <summary>The digests the non-deleted leaves of a record refer to that no acknowledged revision of it has.</summary>
    private static HashSet<string> UnackedDigests(DocumentRecord record)
    {
        var digests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var leaf in record.Leaves)
        {
            if (!leaf.Deleted) digests.UnionWith(AttachmentStubs.Digests(leaf.Body));
        }
        if (digests.Count == 0) return digests;
        foreach (var entry in record.History)
        {
            if (entry.Acked && entry.Body is { } body) digests.ExceptWith(AttachmentStubs.Digests(body));
        }
        return digests;
    }

    /// <summary>The digests the non-deleted leaves of a record refer to.</summary>
    private static IEnumerable<string> Digests(IEnumerable<RevisionLeaf> leaves) =>
        leaves.Where(l => !l.Deleted).SelectMany(l => AttachmentStubs.Digests(l.Body)).Distinct(StringComparer.Ordinal);

    private static JsonObject ManifestNode(AttachmentManifest manifest) => (JsonObject)JsonNode.Parse(ManifestJson.Write(manifest))!;

    /// <summary>
    /// Downloads every body the leaves refer to that this peer lacks (Mirror mode, before the record is stored). A body
    /// over the local size limit is left out with an error noted (opening it says why); one the mirror cannot provide
    /// fails the pull (<see cref="MirrorUnavailableException"/>), so the record is fetched again later.
    /// </summary>
    private async Task DownloadBodiesAsync(string mirror, IEnumerable<RevisionLeaf> leaves, CancellationToken ct)
    {
        if (_store.Attachments is not { } store) return;
        foreach (string digest in Digests(leaves))
        {
            if (store.HasBody(digest)) continue;
            bool stored;
            await _pullBodyGate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                stored = await DownloadBodyAsync(mirror, digest, ct).ConfigureAwait(false);
            }
            catch (AttachmentTooLargeException e)
            {
                RecordWarning($"Database '{_store.Name}': {e.Message} (body {digest}, {mirror}); the record is stored without it.");
                continue;
            }
            catch (NotSupportedException e)
            {
                // orleans:// carries no bodies: the record is stored, the body comes on open from an HTTP mirror.
                RecordWarning($"Database '{_store.Name}': body {digest} not pulled: {e.Message}");
                return;
            }
            finally
            {
                _pullBodyGate.Release();
            }
            // Mirrors take a body on a write quorum before its stub, and a mirror lacking one asks the others: not found
            // means not reachable now. The record is not stored, so this page is pulled again (from another mirror, or
            // next round) instead of leaving a Mirror-mode replica without the body.
            if (!stored)
                throw new MirrorUnavailableException($"{mirror}: database '{_store.Name}': attachment body {digest} of a listed record is not available");
        }
    }

    /// <summary>Mirror mode, a listing from the start: the bodies records held already (stored in Peer mode) lack.</summary>
    private async Task DownloadHeldBodiesAsync(string mirror, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (_store.Attachments is null) return;
        foreach (string id in ids)
        {
            var record = await _store.ReadRecordAsync(id, ct).ConfigureAwait(false);
            if (record is not null) await DownloadBodiesAsync(mirror, record.Leaves, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Downloads one body from <paramref name="mirror"/> into the local store: the chunks this peer lacks, one at a
    /// time, each checked against its id and the whole against the digest, then the manifest. False when the mirror
    /// does not hold it.
    /// </summary>
    /// <exception cref="MirrorUnavailableException">The mirror failed, or sent something that does not check.</exception>
    /// <exception cref="AttachmentTooLargeException">The body is larger than this peer's limit.</exception>
    private async Task<bool> DownloadBodyAsync(string mirror, string digest, CancellationToken ct)
    {
        var store = Attachments;
        var transport = Transport(mirror);
        using (await _bodyLocks.AcquireAsync(digest, ct).ConfigureAwait(false))
        {
            if (store.HasBody(digest)) return true;
            var node = await transport.GetAttachmentManifestAsync(mirror, _store.Name, digest, ct).ConfigureAwait(false);
            if (node is null) return false;
            AttachmentManifest manifest;
            try
            {
                manifest = ManifestJson.Parse(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()));
            }
            catch (FormatException e)
            {
                throw new MirrorUnavailableException($"{mirror}: malformed manifest of {digest}: {e.Message}", e);
            }
            if (manifest.Digest != digest)
                throw new MirrorUnavailableException($"{mirror}: asked for the manifest of {digest}, got {manifest.Digest}");
            if (manifest.ChunkSize > store.Options.ChunkSize)
                throw new MirrorUnavailableException($"{mirror}: body {digest} comes in chunks of {manifest.ChunkSize} bytes; this peer stores at most {store.Options.ChunkSize}");
            if (manifest.Length > store.Options.MaxAttachmentBytes)
                throw new AttachmentTooLargeException(store.Options.MaxAttachmentBytes, digest);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, manifest.ChunkSize));
            try
            {
                using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                for (int i = 0; i < manifest.Chunks.Count; i++)
                {
                    string id = manifest.Chunks[i];
                    long expected = Math.Min(manifest.ChunkSize, manifest.Length - (long)i * manifest.ChunkSize);
                    if (store.HasChunk(id))
                    {
                        byte[] local = await store.ReadChunkAsync(id, ct).ConfigureAwait(false);
                        if (local.Length != expected)
                            throw new MirrorUnavailableException($"{mirror}: manifest of {digest}: chunk {i} ({id}) is {local.Length} bytes, expected {expected}");
                        whole.AppendData(local);
                        continue;
                    }
                    int n = await transport.GetAttachmentChunkAsync(mirror, _store.Name, id, buffer.AsMemory(0, manifest.ChunkSize), ct).ConfigureAwait(false);
                    if (n < 0) throw new MirrorUnavailableException($"{mirror}: body {digest}: chunk {i} ({id}) is missing on the mirror");
                    var raw = buffer.AsMemory(0, n);
                    if (n != expected)
                        throw new MirrorUnavailableException($"{mirror}: body {digest}: chunk {i} ({id}) is {n} bytes, expected {expected}");
                    // The body's hash on a pool thread while the store checks the chunk against its id and writes it.
                    var hashing = Task.Run(() => whole.AppendData(raw.Span), CancellationToken.None);
                    try
                    {
                        await store.PutChunkAsync(id, raw, ct).ConfigureAwait(false);
                    }
                    catch (ArgumentException e)
                    {
                        throw new MirrorUnavailableException($"{mirror}: body {digest}: chunk {i} does not match its id {id}: {e.Message}", e);
                    }
                    finally
                    {
                        await hashing.ConfigureAwait(false); // the buffer is reused for the next chunk
                    }
                    Interlocked.Add(ref _bodyBytesFetched, n);
                    Report(more: false);
                }
                if (AttachmentStubs.FormatDigest(whole.GetHashAndReset()) != digest)
                    throw new MirrorUnavailableException($"{mirror}: the chunks of body {digest} do not hash to its digest");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            await store.StoreManifestAsync(manifest, ct).ConfigureAwait(false);
            return true;
        }
    }
}
