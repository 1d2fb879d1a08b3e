using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace MyNoSql.Sync.Tests.Support;

/// <summary>Peers in their own temp data directories; byte counting and a switchable network for the sync transport.</summary>
public sealed class Peers : IAsyncDisposable
{
    private readonly TempDirectory _root = new("mynosql-sync-peers-");
    private readonly List<MyNoSqlDb> _open = [];
    private int _next;

    /// <summary>Bytes sent and received on every connection of peers opened with <see cref="Wire"/>.</summary>
    public WireCounter Wire { get; } = new();

    /// <summary>A new peer directory (reopen a peer by passing the same directory).</summary>
    public string NewDirectory() => Path.Combine(_root.Path, $"peer-{Interlocked.Increment(ref _next)}");

    public async Task<MyNoSqlDb> OpenAsync(string db, string? directory = null, TimeSpan? interval = null, bool offline = false, IProgress<SyncProgress>? progress = null, string[]? prefixes = null, Action<MyNoSqlOptions>? configure = null)
    {
        var options = new MyNoSqlOptions
        {
            DataDirectory = directory ?? NewDirectory(),
            SyncInterval = interval ?? Timeout.InfiniteTimeSpan,
            SyncRequestTimeout = TimeSpan.FromSeconds(60),
            SyncProgress = progress,
            ConfigureHttpHandler = h => h.ConnectCallback = async (context, ct) =>
            {
                if (offline) throw new HttpRequestException("the network is down (test)");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new CountingStream(new NetworkStream(socket, ownsSocket: true), Wire);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        foreach (var p in prefixes ?? []) options.SyncPrefixes.Add(p);
        configure?.Invoke(options);
        var peer = await MyNoSqlDb.OpenAsync(db, options);
        lock (_open) _open.Add(peer);
        return peer;
    }

    public async Task CloseAsync(MyNoSqlDb peer)
    {
        lock (_open) _open.Remove(peer);
        await peer.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        List<MyNoSqlDb> open;
        lock (_open) open = [.. _open];
        foreach (var peer in open) await peer.DisposeAsync();
        _root.Dispose();
    }

    public static JsonObject Doc(string id, string text) => new() { ["id"] = id, ["text"] = text };
}

/// <summary>Records progress reports synchronously, in order.</summary>
public sealed class ProgressLog : IProgress<SyncProgress>
{
    private readonly List<SyncProgress> _reports = [];

    public IReadOnlyList<SyncProgress> Reports
    {
        get { lock (_reports) return [.. _reports]; }
    }

    public void Report(SyncProgress value)
    {
        lock (_reports) _reports.Add(value);
    }
}
