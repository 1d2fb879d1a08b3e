using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Attachments;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Simulation.Tests.Sim;

// Attachments in the simulation (SimOptions.Attachments): saves that put or delete an attachment through the peer API,
// a chunk store per simulated mirror behind the sync/att calls (SimTransport.Attachments.cs), bodies copied to a write
// quorum of mirrors before a manifest is acknowledged (as the gateway does), fetched from another mirror when asked for
// one this mirror lacks, and repaired by anti-entropy.
internal sealed partial class SimWorld
{
    private readonly Dictionary<string, AttachmentStore> _bodies = new(StringComparer.Ordinal);

    /// <summary>The chunk store of a simulated mirror (<c>{directory}/attachments</c>; files survive its crashes).</summary>
    public AttachmentStore Bodies(SimMirror m)
    {
        if (!_bodies.TryGetValue(m.Name, out var store))
            _bodies[m.Name] = store = AttachmentStore.Open(Path.Combine(m.Directory, "attachments"), new AttachmentStoreOptions { Durable = false });
        return store;
    }

    /// <summary>Body contents the schedule attaches: shared between records (dedup), one of three chunks.</summary>
    public static byte[] AttachmentBody(int variant)
    {
        int length = variant == 5 ? (2 << 20) + 3 : 64 + variant * 700;
        var bytes = new byte[length];
        new Random(variant * 7919 + 1).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// With <see cref="SimOptions.Attachments"/>, half the saves on a live record put an attachment (or, when it
    /// has some, sometimes delete one) instead; true when this step did so.
    /// </summary>
    private async Task<bool> AttachmentStepAsync(SimPeer p, string id, DocumentRecord? current)
    {
        if (current is null || current.Winner.Deleted || Rng.Next(2) != 0) return false;
        var stubs = AttachmentStubs.Read(current.Winner.Body);
        string rev = current.Winner.Rev.ToString();
        string what;
        JsonObject saved;
        try
        {
            if (stubs.Count > 0 && Rng.Next(4) == 0)
            {
                string name = stubs.Keys.Order(StringComparer.Ordinal).ElementAt(Rng.Next(stubs.Count));
                saved = await p.Db!.DeleteAttachmentAsync(id, rev, name);
                what = $"delete attachment {name}";
            }
            else
            {
                string name = $"a{Rng.Next(3)}";
                int variant = Rng.Next(6);
                using var body = new MemoryStream(AttachmentBody(variant));
                saved = await p.Db!.PutAttachmentAsync(id, rev, name, body, "application/x-sim");
                what = $"put attachment {name}=v{variant}";
            }
        }
        catch (MyNoSqlException e)
        {
            Violation($"{p.Name} attachment edit of '{id}' at its current rev {rev} failed: {e.GetType().Name}: {e.Message}");
            return true;
        }
        var newRev = Revision.Parse((string)saved["rev"]!);
        var stored = await p.Db.Store.ReadRecordAsync(id);
        if (stored is null || stored.Winner.Rev != newRev)
        {
            Violation($"{p.Name} read-your-writes: {what} on '{id}' made {newRev} but it holds {Describe(stored)}");
            return true;
        }
        var leaf = stored.Winner;
        History.Add(new Written(id, newRev, leaf.Ancestry.Length > 0 ? leaf.Ancestry[0] : default, false, Encoding.UTF8.GetString(leaf.Body.Span), p.Name, _step));
        Log($"{p.Name} {what} on '{id}' -> {Short(newRev)}");
        return true;
    }

    /// <summary>
    /// A manifest put on <paramref name="target"/>: the chunks it lacks, or (none lacking) the manifest stored and the body
    /// copied to the other mirrors; <c>Quorum</c> false when fewer than a write quorum hold it (the gateway's 503).
    /// Never throws (a delayed copy of the request runs it later).
    /// </summary>
    public async Task<(IReadOnlyList<string> Missing, bool Quorum)> StoreBodyAsync(SimMirror target, AttachmentManifest manifest)
    {
        if (Options.PlantedBugLoseBodies) return ([], true);
        var store = Bodies(target);
        var missing = store.MissingChunks(manifest.Chunks);
        if (missing.Count > 0) return (missing, true);
        await store.StoreManifestAsync(manifest, CancellationToken.None);
        var others = Mirrors.Where(o => o != target && o.Up).ToList();
        int needed = (others.Count + 1) / 2;
        int acks = 0;
        foreach (var other in others)
        {
            var (ok, _) = await MirrorCallAsync(target, other, $"att-copy {ShortDigest(manifest.Digest)}", duplicable: true, t => CopyBodyAsync(target, t, manifest));
            if (ok) acks++;
        }
        if (acks < needed) Log($"{target.Name} quorum missed for body {ShortDigest(manifest.Digest)}: {acks}/{needed}");
        return ([], acks >= needed);
    }

    /// <summary>The manifest of a body <paramref name="target"/> holds, fetched from another mirror first when it lacks it; null when none reachable has it.</summary>
    public async Task<AttachmentManifest?> FindBodyAsync(SimMirror target, string digest)
    {
        var store = Bodies(target);
        if (store.HasBody(digest)) return store.TryGetManifest(digest);
        foreach (var other in Mirrors.Where(o => o != target))
        {
            var (ok, manifest) = await MirrorCallAsync(target, other, $"att-find {ShortDigest(digest)}", duplicable: false,
                o => Task.FromResult(Bodies(o).HasBody(digest) ? Bodies(o).TryGetManifest(digest) : null));
            if (!ok || manifest is null) continue;
            await CopyBodyAsync(other, target, manifest);
            return manifest;
        }
        return null;
    }

    /// <summary>Copies a body's missing chunks and its manifest from one mirror's store to another's.</summary>
    private async Task<bool> CopyBodyAsync(SimMirror from, SimMirror to, AttachmentManifest manifest)
    {
        var source = Bodies(from);
        var target = Bodies(to);
        if (!source.HasBody(manifest.Digest)) return false;
        foreach (string chunk in target.MissingChunks(manifest.Chunks))
            await target.PutChunkAsync(chunk, await source.ReadChunkAsync(chunk, CancellationToken.None), CancellationToken.None);
        await target.StoreManifestAsync(manifest, CancellationToken.None);
        return true;
    }

    /// <summary>Anti-entropy's chunk repair: the bodies <paramref name="to"/>'s records refer to that it lacks and <paramref name="from"/> holds.</summary>
    private async Task RepairBodiesAsync(SimMirror from, SimMirror to)
    {
        if (!from.Up || !to.Up) return;
        var digests = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in to.Ids().ToList())
        {
            var record = await to.ReadRecordAsync(id);
            if (record is null) continue;
            foreach (var leaf in record.Leaves) digests.UnionWith(AttachmentStubs.Digests(leaf.Body));
        }
        foreach (var digest in digests)
        {
            if (Bodies(to).HasBody(digest) || Bodies(from).TryGetManifest(digest) is not { } manifest || !Bodies(from).HasBody(digest)) continue;
            var (ok, _) = await MirrorCallAsync(from, to, $"att-repair {ShortDigest(digest)}", duplicable: true, t => CopyBodyAsync(from, t, manifest));
            if (ok) Log($"anti-entropy {from.Name}->{to.Name} repaired body {ShortDigest(digest)}");
        }
    }

    private static string ShortDigest(string digest) => digest.Length > 15 ? digest[7..15] : digest;
}
