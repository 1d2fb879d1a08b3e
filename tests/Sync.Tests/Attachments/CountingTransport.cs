using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MyNoSql.Sync;

namespace MyNoSql.Sync.Tests.Attachments;

/// <summary>
/// The HTTP sync transport behind a <c>cnt://</c> scheme (<c>cnt://127.0.0.1:port</c> goes to <c>http://127.0.0.1:port</c>)
/// that counts the attachment body calls: which chunks were uploaded (attempted and acknowledged), downloaded, asked about.
/// </summary>
internal sealed class CountingTransport(MyNoSqlOptions options, BodyCounter counter) : ISyncTransport
{
    public const string Scheme = "cnt";

    private readonly HttpSyncTransport _http = new(options);

    private static string Http(string mirror) => "http" + mirror[Scheme.Length..];

    /// <summary>The counted URL of a mirror's http:// base URL.</summary>
    public static string Url(string httpUrl) => Scheme + httpUrl["http".Length..];

    /// <summary>Registers the scheme on <paramref name="options"/>.</summary>
    public static void Configure(MyNoSqlOptions options, BodyCounter counter) => options.Transports[Scheme] = () => new CountingTransport(options, counter);

    public async Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct)
    {
        await _http.GetMirrorsAsync(Http(mirror), ct);
        return [mirror];
    }

    public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct) => _http.PollAsync(Http(mirror), db, checkpoint, ct);

    public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct) =>
        _http.GetChangesAsync(Http(mirror), db, checkpoint, limit, prefixes, ct);

    public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct)
    {
        counter.RecordsPushed.Enqueue(ids.Count);
        return _http.PushAsync(Http(mirror), db, batch, ids, ct);
    }

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) => _http.FetchAsync(Http(mirror), db, ids, ct);

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, IReadOnlyList<string?> heldRevs, CancellationToken ct) =>
        _http.FetchAsync(Http(mirror), db, ids, heldRevs, ct);

    public Task<JsonObject> GetMergePolicyAsync(string mirror, string db, CancellationToken ct) => _http.GetMergePolicyAsync(Http(mirror), db, ct);

    public Task<JsonObject> PutMergePolicyAsync(string mirror, string db, JsonObject policy, CancellationToken ct) => _http.PutMergePolicyAsync(Http(mirror), db, policy, ct);

    public Task<IReadOnlyList<string>> MissingAttachmentChunksAsync(string mirror, string db, IReadOnlyList<string> chunkIds, CancellationToken ct)
    {
        counter.MissingChecks.Enqueue(chunkIds.Count);
        return _http.MissingAttachmentChunksAsync(Http(mirror), db, chunkIds, ct);
    }

    public async Task PutAttachmentChunkAsync(string mirror, string db, string chunkId, ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        counter.ChunksAttempted.Enqueue(chunkId);
        counter.BeforeChunk?.Invoke(counter.ChunksAttempted.Count);
        await _http.PutAttachmentChunkAsync(Http(mirror), db, chunkId, raw, ct);
        counter.ChunksStored.Enqueue(chunkId);
    }

    public Task<IReadOnlyList<string>> PutAttachmentManifestAsync(string mirror, string db, JsonObject manifest, string? recordId, CancellationToken ct)
    {
        counter.ManifestsPut.Enqueue(((string)manifest["digest"]!, recordId));
        return _http.PutAttachmentManifestAsync(Http(mirror), db, manifest, recordId, ct);
    }

    public Task<JsonObject?> GetAttachmentManifestAsync(string mirror, string db, string digest, CancellationToken ct) =>
        _http.GetAttachmentManifestAsync(Http(mirror), db, digest, ct);

    public async Task<int> GetAttachmentChunkAsync(string mirror, string db, string chunkId, Memory<byte> destination, CancellationToken ct)
    {
        int n = await _http.GetAttachmentChunkAsync(Http(mirror), db, chunkId, destination, ct);
        counter.ChunksFetched.Enqueue(chunkId);
        if (counter.CorruptFetchedChunks && n > 0) destination.Span[n / 2] ^= 0x5A; // a mirror (or a path) that alters bytes
        return n;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What <see cref="CountingTransport"/>s saw.</summary>
internal sealed class BodyCounter
{
    public ConcurrentQueue<string> ChunksAttempted { get; } = new();

    public ConcurrentQueue<string> ChunksStored { get; } = new();

    public ConcurrentQueue<string> ChunksFetched { get; } = new();

    public ConcurrentQueue<int> MissingChecks { get; } = new();

    public ConcurrentQueue<(string Digest, string? RecordId)> ManifestsPut { get; } = new();

    public ConcurrentQueue<int> RecordsPushed { get; } = new();

    /// <summary>Flip a byte of every downloaded chunk after the transport received it.</summary>
    public bool CorruptFetchedChunks { get; set; }

    /// <summary>Called before each chunk upload with the number attempted so far (this one included).</summary>
    public Action<int>? BeforeChunk { get; set; }

    public void Clear()
    {
        ChunksAttempted.Clear();
        ChunksStored.Clear();
        ChunksFetched.Clear();
        MissingChecks.Clear();
        ManifestsPut.Clear();
        RecordsPushed.Clear();
    }
}
