using System.Net;
using System.Net.Sockets;

namespace MyNoSql.Tests.Support;

/// <summary>
/// A mirror that hangs, as a SIGSTOPped process does: a loopback TCP listener that accepts every connection and never
/// reads or answers. Counts the connections it accepted.
/// </summary>
public sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private int _accepted;

    public SilentListener()
    {
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public string Url => $"http://127.0.0.1:{EndPoint.Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Closes the connections accepted so far (a request waiting on one fails at once).</summary>
    public void DropAll()
    {
        lock (_gate)
        {
            foreach (var s in _held) s.Dispose();
            _held.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync();
                lock (_gate) _held.Add(socket);
                Interlocked.Increment(ref _accepted);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        DropAll();
        _accepting.Wait(TimeSpan.FromSeconds(5));
    }
}
