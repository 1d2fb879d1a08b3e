using System.Net;
using System.Net.Sockets;

namespace MyNoSql.Tests.Support;

/// <summary>
/// Loopback TCP ports that were free a moment ago (distinct within the process), taken from below the kernel's
/// ephemeral range: a mirror SIGKILLed and restarted on its ports must find them free again, and a port inside the
/// ephemeral range may meanwhile have become the local end of some outgoing connection ("Address already in use").
/// </summary>
public static class FreePorts
{
    private const int Lowest = 10_000;
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();
    private static readonly int EphemeralLow = ReadEphemeralLow();

    public static int Next()
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 1_000; attempt++)
            {
                int port = Random.Shared.Next(Lowest, EphemeralLow);
                if (!Handed.Contains(port) && IsFree(port))
                {
                    Handed.Add(port);
                    return port;
                }
            }
            throw new InvalidOperationException($"no free loopback port found in {Lowest}..{EphemeralLow - 1}");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The lower bound of Linux's ephemeral range (32768 by default; also the fallback elsewhere).</summary>
    private static int ReadEphemeralLow()
    {
        try
        {
            string text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            int low = int.Parse(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);
            return low > Lowest + 1_000 ? low : 32_768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32_768;
        }
    }
}
