using System.Net;
using System.Net.Sockets;

namespace MyNoSql.Tests.Support;

/// <summary>Loopback TCP ports that were free a moment ago (distinct within the process).</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port)) return port;
            }
        }
    }
}
