namespace MyNoSql.SyncBench;

/// <summary>Bytes sent and received on every connection of one peer's sync transport.</summary>
internal sealed class WireCounter
{
    private long _sent;
    private long _received;
    private long _connections;

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>TCP connections opened so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    public void AddSent(int n) => Interlocked.Add(ref _sent, n);

    public void AddReceived(int n) => Interlocked.Add(ref _received, n);

    public void AddConnection() => Interlocked.Increment(ref _connections);
}
