using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MyNoSql.Grains;

namespace MyNoSql.Sync;

/// <summary>
/// The sync protocol through grain calls (<see cref="ISyncGrain"/>) on an Orleans gateway; one client per gateway,
/// connected on first use. Checkpoints are the segment vector (epoch, sequence per index segment) as base64url.
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
            var changes = await grain!.GetChanges(Decode(checkpoint), limit, [.. prefixes], ct).ConfigureAwait(false);
            string next = Encode(changes.Checkpoint);
            return new ChangesPage(next, [.. changes.Entries.Select(e => new ChangeEntry(e.Id, e.Rev, e.Deleted, e.Conflicts))], changes.More,
                changes.HorizonSeconds > 0 ? changes.HorizonSeconds : null);
        }, ct);

    public Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct) =>
        CallAsync<IReadOnlyList<PushResult>>(mirror, db, async grain =>
        {
            var reply = await grain!.Push(batch).ConfigureAwait(false);
            if (reply.Error is not null) throw new MirrorUnavailableException($"{mirror}: push rejected: {reply.Error}");
            if (reply.Results.Length != ids.Count) throw new MirrorUnavailableException($"{mirror}: {reply.Results.Length} push results for {ids.Count} records");
            return [.. ids.Select((id, i) => new PushResult(id, "", reply.Results[i] switch
            {
                MergeStatus.Accepted => "accepted",
                MergeStatus.AlreadyKnown => "known",
                MergeStatus.Conflict => "conflict",
                MergeStatus.QuorumUnavailable => "quorum_unavailable",
                _ => "invalid",
            }))];
        }, ct);

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) =>
        CallAsync(mirror, db, async grain => await grain!.Fetch([.. ids]).ConfigureAwait(false), ct);

    public void Dispose()
    {
        foreach (var lazy in _clients.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result.Dispose();
        }
    }

    private async Task<T> CallAsync<T>(string mirror, string? db, Func<ISyncGrain?, Task<T>> call, CancellationToken ct)
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
            var grain = db is null ? null : host.Services.GetRequiredService<IClusterClient>().GetGrain<ISyncGrain>(db);
            return await call(grain).WaitAsync(ct).ConfigureAwait(false);
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

    private static string Encode(long[] vector)
    {
        var bytes = new byte[vector.Length * 8];
        for (int i = 0; i < vector.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), vector[i]);
        return "o1." + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static long[] Decode(string? checkpoint)
    {
        if (string.IsNullOrEmpty(checkpoint) || !checkpoint.StartsWith("o1.", StringComparison.Ordinal)) return [];
        string b64 = checkpoint[3..].Replace('-', '+').Replace('_', '/');
        var bytes = Convert.FromBase64String(b64 + new string('=', (4 - b64.Length % 4) % 4));
        var vector = new long[bytes.Length / 8];
        for (int i = 0; i < vector.Length; i++) vector[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8));
        return vector;
    }
}
