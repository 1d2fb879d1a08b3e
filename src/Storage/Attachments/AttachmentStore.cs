using System.Collections.Concurrent;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Attachments;

/// <summary>
/// Content-addressed attachment bodies of one database directory: fixed-size chunks named by the SHA-256 of their
/// raw bytes (<c>chunks/&lt;2 hex&gt;/&lt;id&gt;</c>) and per-body manifests (<c>manifests/&lt;hex of the body's
/// SHA-256&gt;</c>). A chunk is durable before any manifest names it; a manifest is durable before any record stub
/// refers to it. The same bytes are stored once however many records and revisions refer to them. Safe for
/// concurrent use. See README.md in this folder.
/// </summary>
internal sealed partial class AttachmentStore : IAsyncDisposable
{
    private readonly string _chunks;
    private readonly string _manifests;
    private readonly string _temp;
    private volatile bool _anonymousTemp = true; // until the file system refuses O_TMPFILE (then named temp files)
    private readonly AttachmentStoreOptions _options;
    // Chunk directories with renames not yet made durable by a directory fsync.
    private readonly ConcurrentDictionary<string, byte> _dirtyDirectories = new(StringComparer.Ordinal);
    // Serialises "still unreferenced and old?" checks of the collector with the touches of writers that reuse a file.
    private readonly Lock _collectGate = new();
    // Chunks received from other mirrors, not yet durable (StageChunkAsync).
    private readonly StagedChunks _staged;

    private AttachmentStore(string directory, AttachmentStoreOptions options)
    {
        Directory = directory;
        _options = options;
        _staged = new StagedChunks(this);
        _chunks = Path.Combine(directory, "chunks");
        _manifests = Path.Combine(directory, "manifests");
        _temp = Path.Combine(directory, "tmp");
    }

    /// <summary>The store's directory.</summary>
    public string Directory { get; }

    /// <summary>The options it was opened with.</summary>
    public AttachmentStoreOptions Options => _options;

    /// <summary>Opens (creating when missing) the store in <paramref name="directory"/>; removes temp files a crash left.</summary>
    public static AttachmentStore Open(string directory, AttachmentStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChunkSize is <= 0 or > ManifestJson.MaxChunkSize)
            throw new ArgumentOutOfRangeException(nameof(options), $"ChunkSize must be in 1..{ManifestJson.MaxChunkSize}.");
        if (options.MaxAttachmentBytes < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxAttachmentBytes must be ≥ 0.");
        var store = new AttachmentStore(Path.GetFullPath(directory), options);
        System.IO.Directory.CreateDirectory(store._chunks);
        System.IO.Directory.CreateDirectory(store._manifests);
        System.IO.Directory.CreateDirectory(store._temp);
        // Temp files are uploads or writes a crash interrupted: never named by a manifest.
        foreach (string f in System.IO.Directory.EnumerateFiles(store._temp)) ChunkFile.TryDelete(f);
        return store;
    }

    /// <summary>True when no manifest and no chunk is stored (a quick check: nothing to collect).</summary>
    public bool IsEmpty =>
        !System.IO.Directory.EnumerateFileSystemEntries(_manifests).Any()
        && !System.IO.Directory.EnumerateFiles(_chunks, "*", SearchOption.AllDirectories).Any();

    /// <summary>The manifest of a body, or null when it is not stored (or <paramref name="digest"/> is not a valid digest).</summary>
    /// <exception cref="CorruptDataException">The manifest file is damaged.</exception>
    public AttachmentManifest? TryGetManifest(string digest)
    {
        if (!AttachmentStubs.TryDigestToHex(digest, out string hex)) return null;
        string path = Path.Combine(_manifests, hex);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        AttachmentManifest manifest;
        try { manifest = ManifestJson.Parse(bytes); }
        catch (FormatException e) { throw new CorruptDataException(path, 0, $"manifest unreadable: {e.Message}", e); }
        if (manifest.Digest != digest) throw new CorruptDataException(path, 0, $"manifest names digest {manifest.Digest}, expected {digest}");
        return manifest;
    }

    /// <summary>True when the manifest of <paramref name="digest"/> and every chunk it names are stored.</summary>
    public bool HasBody(string digest)
    {
        var manifest = TryGetManifest(digest);
        return manifest is not null && MissingChunks(manifest.Chunks).Count == 0;
    }

    /// <summary>The ids of <paramref name="chunkIds"/> not stored here, in order, without duplicates.</summary>
    /// <exception cref="ArgumentException">An id is not 64 lowercase hex characters.</exception>
    public IReadOnlyList<string> MissingChunks(IReadOnlyList<string> chunkIds)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        var missing = new List<string>();
        HashSet<string>? seen = null;
        foreach (string id in chunkIds)
        {
            if (!HasChunk(id) && (seen ??= new(StringComparer.Ordinal)).Add(id)) missing.Add(id);
        }
        return missing;
    }

    /// <summary>True when the chunk file exists.</summary>
    /// <exception cref="ArgumentException"><paramref name="chunkId"/> is not 64 lowercase hex characters.</exception>
    public bool HasChunk(string chunkId) => File.Exists(ChunkPath(chunkId));

    /// <summary>Stores a manifest once every chunk it names is stored (all made durable first).</summary>
    /// <exception cref="ArgumentException">Inconsistent manifest (count vs length, bad ids or digest) or chunks missing.</exception>
    public ValueTask StoreManifestAsync(AttachmentManifest manifest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ct.ThrowIfCancellationRequested();
        byte[] json = ManifestJson.Write(manifest);
        try { ManifestJson.Parse(json); }
        catch (FormatException e) { throw new ArgumentException(e.Message, nameof(manifest), e); }
        var missing = MissingChunks(manifest.Chunks);
        if (missing.Count > 0)
            throw new ArgumentException($"Manifest {manifest.Digest} names {missing.Count} chunks not stored here (first {missing[0]}).", nameof(manifest));
        AttachmentStubs.TryDigestToHex(manifest.Digest, out string hex);
        string path = Path.Combine(_manifests, hex);
        SyncDirtyDirectories();
        lock (_collectGate)
        {
            // Keep the chunks young while the manifest is written: the collector checks ages under the same gate.
            foreach (string id in manifest.Chunks)
            {
                if (!Touch(ChunkPath(id)))
                    throw new ArgumentException($"Manifest {manifest.Digest} names chunk {id}, which is not stored here.", nameof(manifest));
            }
        }
        if (File.Exists(path))
        {
            lock (_collectGate)
            {
                if (Touch(path)) return ValueTask.CompletedTask;
            }
        }
        string tmp = Path.Combine(_temp, hex + "." + Guid.NewGuid().ToString("N")[..8] + ".manifest");
        try
        {
            using (var handle = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, json, 0);
                if (_options.Durable) FileSync.DataSync(handle, tmp);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            ChunkFile.TryDelete(tmp);
            throw;
        }
        if (_options.Durable) FileSync.SyncDirectory(_manifests);
        return ValueTask.CompletedTask;
    }

    /// <summary>A seekable read-only stream over the body (one chunk in memory at a time; each chunk checked by CRC).</summary>
    public Stream OpenRead(AttachmentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new AttachmentReadStream(this, manifest);
    }

    /// <summary>Deletes the staged chunks no manifest committed, then syncs the chunk directories.</summary>
    public async ValueTask DisposeAsync()
    {
        await _staged.DiscardAllAsync().ConfigureAwait(false);
        SyncDirtyDirectories();
    }

    internal string ChunkPath(string chunkId)
    {
        if (!ChunkFile.IsValidId(chunkId))
            throw new ArgumentException($"'{(chunkId is null ? "null" : chunkId.Length > 80 ? chunkId[..80] + "…" : chunkId)}' is not a chunk id (64 lowercase hex characters).", nameof(chunkId));
        return Path.Combine(_chunks, chunkId[..2], chunkId);
    }

    private string ChunkDirectory(string chunkId) => Path.Combine(_chunks, chunkId[..2]);

    private void SyncDirtyDirectories()
    {
        if (!_options.Durable) { _dirtyDirectories.Clear(); return; }
        foreach (string dir in _dirtyDirectories.Keys)
        {
            if (_dirtyDirectories.TryRemove(dir, out _)) FileSync.SyncDirectory(dir);
        }
        FileSync.SyncDirectory(_chunks);
    }

    /// <summary>Marks a file as just used (the collector spares files younger than its grace period); false when it is gone.</summary>
    private static bool Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (FileNotFoundException) { return false; }
        catch (DirectoryNotFoundException) { return false; }
    }
}
