using System.Collections.Concurrent;
using System.Globalization;
using MyNoSql.Sync;

namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>
/// The peer engine's transport for <c>sim://w{world}-p{peer}-m{mirror}</c> URLs: every call goes through the world's
/// fault-injecting network to a <see cref="SimMirror"/>. Each peer's options name it for the <c>sim</c> scheme.
/// </summary>
internal sealed class SimTransport : ISyncTransport
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
        return world.PeerCallAsync(peer, m, "poll", duplicable: false, target => Task.FromResult(target.Poll(checkpoint)));
    }

    public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync(peer, m, "changes", duplicable: false, target =>
        {
            var (cp, entries, more) = target.Changes(checkpoint, limit, prefixes);
            // No tombstone horizon in the simulation: tombstones stay in the index.
            return Task.FromResult(new ChangesPage(cp, [.. entries.Select(e => new ChangeEntry(e.Id, e.Rev.ToString(), e.Deleted, e.Conflicts))], more, null));
        });
    }

    public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync<IReadOnlyList<PushResult>>(peer, m, $"push[{string.Join(',', ids)}]", duplicable: true, async target =>
        {
            var statuses = await target.PushAsync(batch, (id, leaf) => world.ReplicateAsync(target, id, leaf));
            return [.. statuses.Select(s => new PushResult(s.Id, s.Rev, s.Status))];
        });
    }

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var (world, peer, m) = Parse(mirror);
        return world.PeerCallAsync(peer, m, $"fetch[{string.Join(',', ids)}]", duplicable: false, target => target.FetchAsync(ids));
    }

    public void Dispose() { }

    private static (SimWorld World, int Peer, int Mirror) Parse(string url)
    {
        var parts = new Uri(url).Host.Split('-');
        int w = int.Parse(parts[0].AsSpan(1), CultureInfo.InvariantCulture);
        if (!Worlds.TryGetValue(w, out var world)) throw new MirrorUnavailableException($"{url}: no such simulated world");
        return (world, int.Parse(parts[1].AsSpan(1), CultureInfo.InvariantCulture), int.Parse(parts[2].AsSpan(1), CultureInfo.InvariantCulture));
    }
}
