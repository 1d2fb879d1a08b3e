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

    public async Task<MyNoSqlDb> OpenAsync(string db, string? directory = null, TimeSpan? interval = null, bool offline = false, IProgress<SyncProgress>? progress = null, string[]? prefixes = null)
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

public sealed class WireCounter
{
    private long _sent;
    private long _received;

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>When set, a write that would take the bytes sent past this limit fails: the connection is cut.</summary>
    public long? CutAfterSent { get; set; }

    /// <summary>When set, a read that takes the bytes received past this limit fails: the connection is cut.</summary>
    public long? CutAfterReceived { get; set; }

    public void Reset()
    {
        Interlocked.Exchange(ref _sent, 0);
        Interlocked.Exchange(ref _received, 0);
    }

    public void AddSent(int n)
    {
        if (CutAfterSent is long limit && Sent + n > limit) throw new IOException("connection cut (test)");
        Interlocked.Add(ref _sent, n);
    }

    public void AddReceived(int n)
    {
        if (CutAfterReceived is long limit && Received + n > limit) throw new IOException("connection cut (test)");
        Interlocked.Add(ref _received, n);
    }
}

/// <summary>Counts the bytes of a connection in both directions (headers and bodies as they cross the wire).</summary>
public sealed class CountingStream(Stream inner, WireCounter counter) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, count);
        counter.AddReceived(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken);
        counter.AddReceived(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        counter.AddSent(count);
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        counter.AddSent(buffer.Length);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
