using System.Net.Sockets;
using System.Text;

namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>
/// HTTP/1.1 over a bare socket, one request per connection: the fuzz sends what HttpClient would refuse to
/// (raw bytes in the target, NUL, broken framing, lying Content-Length, odd methods).
/// </summary>
internal static class RawHttp
{
    public static byte[] Request(string method, string target, IEnumerable<(string Name, string Value)> headers, byte[]? body, bool chunked = false)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var (name, value) in headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (body is not null && !chunked && !headers.Any(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        if (chunked) head.Append("Transfer-Encoding: chunked\r\n");
        head.Append("\r\n");
        // Latin-1 keeps the target's chars 0x80–0xFF as single raw bytes (invalid UTF-8 on purpose).
        var bytes = new List<byte>(Encoding.Latin1.GetBytes(head.ToString()));
        if (body is not null)
        {
            if (!chunked) bytes.AddRange(body);
            else
            {
                for (int pos = 0; pos < body.Length; pos += 8192)
                {
                    int n = Math.Min(8192, body.Length - pos);
                    bytes.AddRange(Encoding.ASCII.GetBytes($"{n:x}\r\n"));
                    bytes.AddRange(body.AsSpan(pos, n).ToArray());
                    bytes.AddRange("\r\n"u8.ToArray());
                }
                bytes.AddRange("0\r\n\r\n"u8.ToArray());
            }
        }
        return [.. bytes];
    }

    /// <summary>Sends <paramref name="request"/> and reads the answer; throws <see cref="TimeoutException"/> when none comes in time.</summary>
    public static async Task<RawResponse> SendAsync(int port, byte[] request, bool head, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync("127.0.0.1", port, cts.Token);
            var stream = client.GetStream();
            try
            {
                await stream.WriteAsync(request, cts.Token);
            }
            catch (IOException)
            {
                // The server may answer (413, 400) and close before reading everything we send.
            }
            return await ReadAsync(stream, head, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No answer within {timeout}.");
        }
    }

    private static async Task<RawResponse> ReadAsync(Stream stream, bool head, CancellationToken token)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int headerEnd = -1;
        while (headerEnd < 0)
        {
            int n;
            try { n = await stream.ReadAsync(chunk, token); }
            catch (IOException) { n = 0; }
            if (n == 0) return new RawResponse(0, [], buffer.ToArray());
            buffer.Write(chunk, 0, n);
            headerEnd = buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);
        }
        var all = buffer.ToArray();
        // An interim "100 Continue" (Expect: 100-continue): drop it and read on to the final answer.
        if (all.AsSpan(0, headerEnd).StartsWith("HTTP/1.1 1"u8))
        {
            var rest = new MemoryStream();
            rest.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
            return await ReadAsync(new PrefixedStream(rest.ToArray(), stream), head, token);
        }
        var lines = Encoding.Latin1.GetString(all, 0, headerEnd).Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        if (head || status is 204 or 304 || status < 200) return new RawResponse(status, headers, []);
        long? length = headers.TryGetValue("content-length", out var cl) ? long.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : null;
        while (length is null || body.Length < length)
        {
            int n;
            try { n = await stream.ReadAsync(chunk, token); }
            catch (IOException) { n = 0; }
            if (n == 0) break;
            body.Write(chunk, 0, n);
        }
        var bytes = body.ToArray();
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            bytes = Dechunk(bytes);
        return new RawResponse(status, headers, bytes);
    }

    private static byte[] Dechunk(byte[] data)
    {
        var output = new MemoryStream();
        int pos = 0;
        while (pos < data.Length)
        {
            int lineEnd = data.AsSpan(pos).IndexOf("\r\n"u8);
            if (lineEnd < 0) break;
            int size = Convert.ToInt32(Encoding.ASCII.GetString(data, pos, lineEnd).Split(';')[0], 16);
            pos += lineEnd + 2;
            if (size == 0) break;
            output.Write(data, pos, Math.Min(size, data.Length - pos));
            pos += size + 2;
        }
        return output.ToArray();
    }
}
