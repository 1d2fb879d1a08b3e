using System.Collections.Concurrent;
using System.Globalization;
using MyNoSql.Grains;
using MyNoSql.Grains.Sync;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Sync;
using MyNoSql.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// The peer engine's transport for <c>sim://w{world}-p{peer}-m{mirror}</c> URLs: every call goes through the world's
/// fault-injecting network to a <see cref="SimMirror"/>. Each peer's options name it for the <c>sim</c> scheme.
/// </summary>
internal sealed partial class SimTransport : ISyncTransport
{
    private static readonly ConcurrentDictionary<int, SimWorld> Worlds = new();
    public static void Register(SimWorld world) => Worlds[world.Id] = world;

    public static void Unregister(SimWorld world) => Worlds.TryRemove(world.Id, out _);

    public static string Url(int world, int peer, int mirror) => $"sim://w{world}-p{peer}-m{mirror}";

    public Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync<IReadOnlyList<string>>(peer, m, "mirrors", duplicable: false, target => Task.FromResult(world.MirrorUrls(peer)));
    }

    public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        // The peer's HTTP transport sends the poll token of its checkpoint; the gateway hands it to the sync service.
        return world.PeerCallAsync(peer, m, "poll", duplicable: false, target =>
            target.Sync(NoReplication).HasChangedAsync(db, SyncCheckpoint.PollTokenOf(checkpoint), ct));
    }

    public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync(peer, m, "changes", duplicable: false, async target =>
        {
            if (!SyncCheckpoint.TryParse(checkpoint, out var since)) throw new MirrorUnavailableException($"{mirror}: HTTP 400 invalid_checkpoint");
            var page = await target.Sync(NoReplication).GetChangesAsync(db, since, limit, prefixes, ct);
            // The tombstone horizon is 0 here (tombstones stay in the index), which peers read as "not told".
            return new ChangesPage(page.Unchanged ? null : page.Next.ToToken(),
                [.. page.Entries.Select(e => new ChangeEntry(e.Id, e.Rev, e.Deleted, e.Conflicts))], page.More,
                page.HorizonSeconds > 0 ? page.HorizonSeconds : null);
        });
    }

    public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync<IReadOnlyList<PushResult>>(peer, m, $"push[{string.Join(',', ids)}]", duplicable: true, async target =>
        {
            IReadOnlyList<SyncRecord> records;
            try
            {
                records = SyncService.DecodePush(batch);
            }
            catch (FormatException e)
            {
                throw new MirrorUnavailableException($"{mirror}: HTTP 400 bad_batch {e.Message}", e);
            }
            var results = await target.Sync((id, leaf) => world.ReplicateAsync(target, id, leaf)).PushAsync(db, records, ct);
            return [.. results.Select(r => new PushResult(r.Id, r.Rev, PushStatusNames.ToWire(PushStatusNames.Parse(r.Status))))];
        });
    }

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync(peer, m, $"fetch[{string.Join(',', ids)}]", duplicable: false, target => target.Sync(NoReplication).FetchAsync(db, ids, ct));
    }

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, IReadOnlyList<string?> heldRevs, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync(peer, m, $"fetch[{string.Join(',', ids.Select((id, i) => heldRevs[i] is { } r ? $"{id}@{r}" : id))}]", duplicable: false,
            target => target.Sync(NoReplication).FetchAsync(db, ids, ct, heldRevs));
    }

    public void Dispose() { }

    private static Task<bool> NoReplication(string id, RevisionLeaf leaf) =>
        throw new InvalidOperationException("Only a push replicates.");

    private static (SimWorld World, int Peer, int Mirror) Parse(string url)
    {
        var parts = new Uri(url).Host.Split('-');
        int w = int.Parse(parts[0].AsSpan(1), CultureInfo.InvariantCulture);
        if (!Worlds.TryGetValue(w, out var world)) throw new MirrorUnavailableException($"{url}: no such simulated world");
        return (world, int.Parse(parts[1].AsSpan(1), CultureInfo.InvariantCulture), int.Parse(parts[2].AsSpan(1), CultureInfo.InvariantCulture));
    }
}
