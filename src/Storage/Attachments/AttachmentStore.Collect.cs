namespace MyNoSql.Storage.Attachments;

internal sealed partial class AttachmentStore
{
    /// <summary>
    /// Mark and sweep: keeps the manifests of <paramref name="liveDigests"/> and those younger than
    /// <paramref name="grace"/> (a put whose stub is not saved yet), the chunks they name and chunks younger than
    /// <paramref name="grace"/> (an upload whose manifest has not arrived yet); deletes the rest, and chunks staged
    /// (<see cref="StageChunkAsync"/>) longer than <paramref name="grace"/> ago whose manifest never came.
    /// </summary>
    public ValueTask<AttachmentCollection> CollectAsync(IReadOnlySet<string> liveDigests, TimeSpan grace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(liveDigests);
        _staged.DiscardOlderThan(grace);
        var liveHex = new HashSet<string>(StringComparer.Ordinal);
        foreach (string digest in liveDigests)
        {
            if (AttachmentStubs.TryDigestToHex(digest, out string hex)) liveHex.Add(hex);
        }
        DateTime cutoff = DateTime.UtcNow - grace;
        var liveChunks = new HashSet<string>(StringComparer.Ordinal);
        int liveManifests = 0, manifestsDeleted = 0, chunksDeleted = 0;
        long freed = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(_manifests))
        {
            ct.ThrowIfCancellationRequested();
            string name = Path.GetFileName(path);
            bool keep = liveHex.Contains(name);
            if (!keep)
            {
                lock (_collectGate)
                {
                    var info = new FileInfo(path);
                    if (!info.Exists) continue;
                    if (info.LastWriteTimeUtc > cutoff) keep = true;
                    else
                    {
                        freed += info.Length;
                        File.Delete(path);
                        manifestsDeleted++;
                    }
                }
            }
            if (!keep) continue;
            liveManifests++;
            AttachmentManifest manifest;
            try
            {
                manifest = ManifestJson.Parse(File.ReadAllBytes(path));
            }
            catch (Exception e) when (e is FormatException or FileNotFoundException)
            {
                // A damaged manifest keeps nothing alive; reads of it report the corruption.
                continue;
            }
            foreach (string id in manifest.Chunks) liveChunks.Add(id);
        }
        int kept = 0;
        foreach (string dir in System.IO.Directory.EnumerateDirectories(_chunks))
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(dir))
            {
                ct.ThrowIfCancellationRequested();
                if (liveChunks.Contains(Path.GetFileName(path))) { kept++; continue; }
                lock (_collectGate)
                {
                    var info = new FileInfo(path);
                    if (!info.Exists) continue;
                    if (info.LastWriteTimeUtc > cutoff) { kept++; continue; }
                    freed += info.Length;
                    File.Delete(path);
                    chunksDeleted++;
                }
            }
        }
        return ValueTask.FromResult(new AttachmentCollection(liveManifests, kept, manifestsDeleted, chunksDeleted, freed));
    }
}
