namespace MyNoSql.Tests.Support;

/// <summary>Bytes sent and received (and connections opened) by the peers' sockets; optionally cuts a connection at a byte count.</summary>
public sealed class WireCounter
{
    private long _sent;
    private long _received;
    private long _connections;

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>TCP connections opened so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

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

    public void AddConnection() => Interlocked.Increment(ref _connections);
}
