using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    private readonly SemaphoreSlim _collectGate = new(1, 1);
    private readonly CancellationTokenSource _collectStop = new();
    private readonly Lock _collectorLock = new();
    private Task _collector = Task.CompletedTask;
    private int _collectScheduled;
    private long _lastCollectTicks;

    /// <summary>Files younger than this are never collected (a put whose stub is not saved yet, a body being fetched).</summary>
    internal TimeSpan AttachmentGrace { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Background collections after deletes run at most this often.</summary>
    internal TimeSpan AttachmentCollectInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal AttachmentStore Attachments => _store.Attachments!;

    /// <summary>Category <c>MyNoSql.Attachments</c> of <see cref="MyNoSqlOptions.LoggerFactory"/>.</summary>
    internal ILogger AttachmentLogger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Stores <paramref name="body"/> (read to its end, streamed: one chunk in memory at a time) as the attachment
    /// <paramref name="name"/> of record <paramref name="id"/> and returns the new revision, whose <c>_attachments</c>
    /// shows <c>{"content_type","length","digest":"sha256-&lt;base64&gt;"}</c> for it. Durable like a save: the body's
    /// chunks and manifest are fsynced before the revision naming them is saved. The same content is stored once however
    /// many records and revisions carry it. A record that does not exist (or is deleted) is created with this one
    /// attachment, its <paramref name="rev"/> ignored as for a save. Putting a name again replaces that attachment.
    /// </summary>
    /// <param name="id">The record id.</param>
    /// <param name="rev">The record's current revision (ignored when the record does not exist).</param>
    /// <param name="name">1–255 UTF-8 bytes, no control characters, not starting with '_'.</param>
    /// <param name="body">The content, read from its current position to its end; not disposed.</param>
    /// <param name="contentType">The MIME type kept in the stub (default <c>application/octet-stream</c>).</param>
    /// <param name="cancellationToken">Cancels the put; chunks already written are collected later.</param>
    /// <exception cref="ArgumentException">Invalid id, name or content type.</exception>
    /// <exception cref="RevisionConflictException">The record exists and <paramref name="rev"/> is not its current revision. Nothing was written.</exception>
    /// <exception cref="AttachmentTooLargeException">The body is longer than <see cref="MyNoSqlOptions.MaxAttachmentBytes"/>.</exception>
    public async Task<JsonObject> PutAttachmentAsync(string id, string? rev, string name, Stream body, string? contentType = null, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        AttachmentStubs.ValidateName(name);
        ArgumentNullException.ThrowIfNull(body);
        contentType = ValidateContentType(contentType);
        ThrowIfDisposed();
        // A stale rev fails before the body is read, not after gigabytes were written (checked again when saving).
        var current = await _store.ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
        if (current is { Winner.Deleted: false } && (!Revision.TryParse(rev, out var given) || given != current.Winner.Rev))
            throw new RevisionConflictException(Name, id, rev, current.Winner.Rev.ToString());
        AttachmentManifest manifest;
        try
        {
            manifest = await Attachments.PutAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (AttachmentTooLargeException e)
        {
            throw new AttachmentTooLargeException(e.Limit, name);
        }
        catch (Exception e) when (e is not StorageFullException && StorageFullException.IsDiskFull(e))
        {
            throw new StorageFullException($"Database '{Name}': the disk is full, so attachment '{name}' of record '{id}' was not stored " +
                $"(writing its chunks under '{Attachments.Directory}': {e.Message}). Nothing stored before is affected; free space and retry.", e);
        }
        var saved = await _store.SetAttachmentAsync(id, rev, name, new AttachmentStub(contentType, manifest.Length, manifest.Digest), cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        // A replaced body may be unreferenced now (once the history lets the old revision go).
        if (current is { Winner.Deleted: false } && DocumentRules.HasStubs(current.Winner.Body.Span)
            && AttachmentStubs.Read(current.Winner.Body).ContainsKey(name)) RequestAttachmentCollection();
        return saved;
    }

    /// <summary>
    /// Opens the attachment <paramref name="name"/> of the record's current revision for reading: a seekable read-only
    /// stream of its body (one chunk in memory at a time; each chunk checked when read). The record is read as
    /// <see cref="ReadDocAsync(string, CancellationToken)"/> reads it. In Peer mode a body not stored on this peer is
    /// fetched from a mirror on first open and kept.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid id or name.</exception>
    /// <exception cref="AttachmentNotFoundException">No such record or attachment, or its body is not stored here and no mirror provided it.</exception>
    /// <exception cref="CorruptDataException">A chunk of the body is damaged (file and offset named), when it is read.</exception>
    public async Task<Stream> OpenAttachmentAsync(string id, string name, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        AttachmentStubs.ValidateName(name);
        ThrowIfDisposed();
        var doc = await ReadDocAsync(id, cancellationToken).ConfigureAwait(false);
        var stub = doc is null ? null : StubOf(doc, name);
        if (stub is null) throw new AttachmentNotFoundException(Name, id, name);
        var manifest = Attachments.TryGetManifest(stub.Digest);
        if (manifest is null || Attachments.MissingChunks(manifest.Chunks).Count > 0)
        {
            if (_metadata.Mirrors.Count == 0 || !await _sync.FetchAttachmentAsync(id, name, stub, cancellationToken).ConfigureAwait(false))
                throw new AttachmentNotFoundException(Name, id, name, $"its body ({stub.Digest}) is not stored on this peer and no mirror provided it");
            manifest = Attachments.TryGetManifest(stub.Digest)
                ?? throw new AttachmentNotFoundException(Name, id, name, $"its body ({stub.Digest}) was fetched but is not stored");
        }
        return Attachments.OpenRead(manifest);
    }

    /// <summary>Removes the attachment <paramref name="name"/> as a new revision and returns it. The body stays while a
    /// kept revision (history, conflicts) refers to it, then is collected.</summary>
    /// <exception cref="ArgumentException">Invalid id or name.</exception>
    /// <exception cref="DocumentNotFoundException">No such record, or it is deleted.</exception>
    /// <exception cref="RevisionConflictException"><paramref name="rev"/> is not the current revision. Nothing was written.</exception>
    /// <exception cref="AttachmentNotFoundException">The current revision has no attachment of that name.</exception>
    public async Task<JsonObject> DeleteAttachmentAsync(string id, string rev, string name, CancellationToken cancellationToken = default)
    {
        DocumentId.Validate(id);
        AttachmentStubs.ValidateName(name);
        ThrowIfDisposed();
        var saved = await _store.SetAttachmentAsync(id, rev, name, null, cancellationToken).ConfigureAwait(false);
        _loop.Wake();
        RequestAttachmentCollection();
        return saved;
    }

    /// <summary>Mark and sweep now: bodies no kept revision names (and older than <see cref="AttachmentGrace"/>) leave the disk.</summary>
    internal async Task<AttachmentCollection?> CollectAttachmentsAsync(CancellationToken cancellationToken)
    {
        await _collectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _lastCollectTicks, DateTime.UtcNow.Ticks);
            if (Attachments.IsEmpty) return null; // databases without attachments never scan their records for them
            var live = await _store.Replica.LiveAttachmentDigestsAsync(cancellationToken).ConfigureAwait(false);
            var result = await Attachments.CollectAsync(live, AttachmentGrace, cancellationToken).ConfigureAwait(false);
            AttachmentLog.Collected(AttachmentLogger, Name, result.LiveManifests, result.LiveChunks, result.ManifestsDeleted, result.ChunksDeleted, result.BytesFreed);
            return result;
        }
        finally
        {
            _collectGate.Release();
        }
    }

    /// <summary>Schedules a background collection (coalesced, at most one per <see cref="AttachmentCollectInterval"/>).</summary>
    internal void RequestAttachmentCollection()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.Exchange(ref _collectScheduled, 1) != 0) return;
        lock (_collectorLock) _collector = RunCollectorAsync();
    }

    private async Task RunCollectorAsync()
    {
        var token = _collectStop.Token;
        try
        {
            await Task.Yield();
            var wait = new DateTime(Interlocked.Read(ref _lastCollectTicks), DateTimeKind.Utc) + AttachmentCollectInterval - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, token).ConfigureAwait(false);
            Interlocked.Exchange(ref _collectScheduled, 0);
            await CollectAttachmentsAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        catch (ObjectDisposedException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MyNoSqlException)
        {
            AttachmentLog.CollectionFailed(AttachmentLogger, Name, e.Message, e);
        }
        finally
        {
            Interlocked.Exchange(ref _collectScheduled, 0);
        }
    }

    /// <summary>Stops background collection before the store closes.</summary>
    private async Task StopAttachmentCollectionAsync()
    {
        await _collectStop.CancelAsync().ConfigureAwait(false);
        Task collector;
        lock (_collectorLock) collector = _collector;
        await collector.ConfigureAwait(false);
    }

    internal static AttachmentStub? StubOf(JsonObject doc, string name)
    {
        if (doc["_attachments"] is not JsonObject stubs || stubs[name] is not JsonObject s) return null;
        if (s["content_type"] is not JsonValue ct || !ct.TryGetValue(out string? type)) return null;
        if (s["length"] is not JsonValue len || !len.TryGetValue(out long length)) return null;
        if (s["digest"] is not JsonValue dg || !dg.TryGetValue(out string? digest) || !AttachmentStubs.IsValidDigest(digest)) return null;
        return new AttachmentStub(type, length, digest);
    }

    private static string ValidateContentType(string? contentType)
    {
        if (contentType is null) return AttachmentStubs.DefaultContentType;
        if (contentType.Length is 0 or > 255 || contentType.Any(char.IsControl))
            throw new ArgumentException("A content type must be 1–255 characters without control characters.", nameof(contentType));
        return contentType;
    }
}
