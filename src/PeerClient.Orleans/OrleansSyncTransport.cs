using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MyNoSql.Grains;
using MyNoSql.Storage.Sync;

namespace MyNoSql.Sync;

/// <summary>
/// The sync protocol through grain calls (<see cref="ISyncGrain"/>) on an Orleans gateway; one client per gateway,
/// connected on first use. Checkpoints are the same tokens as over HTTP (<see cref="SyncCheckpoint"/>).
/// </summary>
internal sealed class OrleansSyncTransport(string clusterId, string serviceId) : ISyncTransport
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, Lazy<Task<IHost>>> _clients = new(StringComparer.OrdinalIgnoreCase);

    public Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct) =>
        CallAsync<IReadOnlyList<string>>(mirror, db: null, async _ => { await Task.CompletedTask.ConfigureAwait(false); return [mirror]; }, ct);

    // Polls cost nothing worth saving on a trusted network: always pull (an unchanged index returns no entries).
    public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct) => Task.FromResult(true);

    public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct) =>
        CallAsync(mirror, db, async grain =>
        {
            // The same checkpoint tokens as over HTTP (a token neither transport issued: from the start, as a new peer).
            var since = SyncCheckpoint.TryParse(checkpoint, out var parsed) ? parsed : new SyncCheckpoint();
            var changes = await grain!.GetChanges(since.ToVector(), limit, [.. prefixes], ct).ConfigureAwait(false);
            string next = SyncCheckpoint.FromVector(changes.Checkpoint).ToToken();
            return new ChangesPage(next, [.. changes.Entries.Select(e => new ChangeEntry(e.Id, e.Rev, e.Deleted, e.Conflicts))], changes.More,
                changes.HorizonSeconds > 0 ? changes.HorizonSeconds : null);
        }, ct);

    public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct) =>
        CallAsync<IReadOnlyList<PushResult>>(mirror, db, async grain =>
        {
            var reply = await grain!.Push(batch, ct).ConfigureAwait(false);
            if (reply.Error is not null) throw new MirrorUnavailableException($"{mirror}: push rejected: {reply.Error}");
            try
            {
                return [.. reply.Results.Select(r => new PushResult(r.Id, r.Rev, PushStatusNames.ToWire(PushStatusNames.Parse(r.Status))))];
            }
            catch (FormatException e)
            {
                throw new MirrorUnavailableException($"{mirror}: malformed push answer: {e.Message}", e);
            }
        }, ct);

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) =>
        CallAsync(mirror, db, async grain => await grain!.Fetch([.. ids], ct).ConfigureAwait(false), ct);

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, IReadOnlyList<string?> heldRevs, CancellationToken ct) =>
        heldRevs.All(r => r is null) ? FetchAsync(mirror, db, ids, ct)
            : CallAsync(mirror, db, async grain => await grain!.FetchSince([.. ids], [.. ids.Select((_, i) => i < heldRevs.Count ? heldRevs[i] : null)], ct).ConfigureAwait(false), ct);

    /// <summary>Runs the query through <see cref="IQueryGrain"/>, which answers on the gateway's own silo.</summary>
    public async Task<JsonObject> FindAsync(string mirror, string db, JsonObject query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        byte[] body = System.Text.Encoding.UTF8.GetBytes(query.ToJsonString());
        var reply = await CallClientAsync(mirror, client => client.GetGrain<IQueryGrain>(db).Find(body, ct), ct).ConfigureAwait(false);
        if (reply.Error is not null) throw new ArgumentException($"Database '{db}': {reply.Error}", nameof(query));
        try
        {
            return JsonNode.Parse(reply.Json!) as JsonObject ?? throw new MirrorUnavailableException($"{mirror}: the query answer is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new MirrorUnavailableException($"{mirror}: the query answer is not JSON: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _clients.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result.Dispose();
        }
    }

    private Task<T> CallAsync<T>(string mirror, string? db, Func<ISyncGrain?, Task<T>> call, CancellationToken ct) =>
        CallClientAsync(mirror, client => call(db is null ? null : client.GetGrain<ISyncGrain>(db)), ct);

    private async Task<T> CallClientAsync<T>(string mirror, Func<IClusterClient, Task<T>> call, CancellationToken ct)
    {
        IHost host;
        try
        {
            host = await _clients.GetOrAdd(mirror, m => new Lazy<Task<IHost>>(() => ConnectAsync(m))).Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _clients.TryRemove(mirror, out _); // try again next round
            throw new MirrorUnavailableException($"{mirror}: cannot connect: {e.Message}", e);
        }
        try
        {
            return await call(host.Services.GetRequiredService<IClusterClient>()).WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not MirrorUnavailableException && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            throw new MirrorUnavailableException($"{mirror}: {e.Message}", e);
        }
    }

    private async Task<IHost> ConnectAsync(string mirror)
    {
        var uri = new Uri(mirror);
        var addresses = IPAddress.TryParse(uri.Host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(uri.Host).ConfigureAwait(false);
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.UseStaticClustering(new IPEndPoint(addresses[0], uri.Port));
                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = serviceId;
                });
            })
            .Build();
        try
        {
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
