using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.Soak;

/// <summary>
/// Mixed HTTP load on a bounded set of records (so memory can settle): saves (create or update with the known rev),
/// reads, deletes and prefix lists, spread over every mirror, paced to a total rate. Each caller owns its own keys,
/// so every answer is predictable: anything else (a 409, a stale read, a 5xx, no answer) is an error.
/// </summary>
internal sealed class HttpMix(IReadOnlyList<string> mirrors, string db, int callers, int keys, int rate)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly ConcurrentDictionary<string, long> _ops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _firstErrors = new();
    private long _total;
    private long _nextSlot;

    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyDictionary<string, long> Ops => _ops;

    /// <summary>Unexpected answers by "METHOD status" (or "METHOD no-answer", "GET stale").</summary>
    public IReadOnlyDictionary<string, long> Errors => _errors;

    public long ErrorCount => _errors.Values.Sum();

    public IEnumerable<string> FirstErrors => _firstErrors;

    public Task RunAsync(CancellationToken stop)
    {
        _nextSlot = Stopwatch.GetTimestamp();
        return Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() => CallerAsync(c, stop), CancellationToken.None)));
    }

    private async Task CallerAsync(int c, CancellationToken stop)
    {
        var random = new Random(c + 1);
        var revs = new Dictionary<int, string?>();
        var unsure = new HashSet<int>();
        var pad = new string('x', 200);
        long n = 0;
        while (!stop.IsCancellationRequested)
        {
            await PaceAsync(stop);
            if (stop.IsCancellationRequested) return;
            int k = c + callers * random.Next(keys / callers);
            string id = $"c{c}/k{k}";
            string url = $"{mirrors[random.Next(mirrors.Count)]}/db/{db}";
            if (unsure.Remove(k))
            {
                // After an unexpected answer: learn the record's state again (not counted as an operation).
                var (st, tx) = await SendAsync(null, HttpMethod.Get, $"{url}/doc/{Uri.EscapeDataString(id)}", null);
                if (st == 200) revs[k] = Rev(tx);
                else if (st == 404) revs[k] = null;
                else unsure.Add(k);
                continue;
            }
            revs.TryGetValue(k, out var rev);
            double r = random.NextDouble();
            if (r < 0.4 || (r < 0.5 && rev is null))
            {
                string body = rev is null ? $"{{\"k\":{k},\"n\":{n++},\"pad\":\"{pad}\"}}" : $"{{\"rev\":\"{rev}\",\"k\":{k},\"n\":{n++},\"pad\":\"{pad}\"}}";
                var (status, text) = await SendAsync("save", HttpMethod.Put, $"{url}/doc/{Uri.EscapeDataString(id)}", body);
                if (status == 201) revs[k] = Rev(text);
                else Error("PUT", status, id, text, () => unsure.Add(k));
            }
            else if (r < 0.5)
            {
                var (status, text) = await SendAsync("delete", HttpMethod.Delete, $"{url}/doc/{Uri.EscapeDataString(id)}?rev={Uri.EscapeDataString(rev!)}", null);
                if (status == 200) revs[k] = null;
                else Error("DELETE", status, id, text, () => unsure.Add(k));
            }
            else if (r < 0.8)
            {
                var (status, text) = await SendAsync("read", HttpMethod.Get, $"{url}/doc/{Uri.EscapeDataString(id)}", null);
                bool expected = rev is null ? status == 404 : status == 200 && Rev(text) == rev;
                if (!expected) Error("GET", status == 200 ? -1 : status, id, text, () => unsure.Add(k));
            }
            else
            {
                var (status, text) = await SendAsync("list", HttpMethod.Get, $"{url}/docs?prefix={Uri.EscapeDataString($"c{c}/k{random.Next(10)}")}&limit=50", null);
                if (status != 200) Error("LIST", status, id, text, null);
            }
        }
    }

    /// <summary>Paces the callers to <c>rate</c> operations per second in all (no burst after falling behind).</summary>
    private async Task PaceAsync(CancellationToken stop)
    {
        if (rate <= 0) return;
        long interval = Stopwatch.Frequency / rate;
        long now = Stopwatch.GetTimestamp();
        long slot = Interlocked.Add(ref _nextSlot, interval);
        if (slot < now - Stopwatch.Frequency) Interlocked.CompareExchange(ref _nextSlot, now, slot); // behind by > 1 s: forget it
        long wait = slot - now;
        if (wait > 0)
        {
            try { await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), stop); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task<(int Status, string Body)> SendAsync(string? op, HttpMethod method, string url, string? json)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (op is not null)
        {
            _ops.AddOrUpdate(op, 1, (_, v) => v + 1);
            Interlocked.Increment(ref _total);
        }
        try
        {
            using var response = await _http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (0, e.Message);
        }
    }

    // An unexpected answer: counted; the caller forgets what it knew of the key (the next save creates or conflicts again).
    private void Error(string method, int status, string id, string body, Func<bool>? forget)
    {
        string key = status switch { 0 => $"{method} no-answer", -1 => $"{method} stale", _ => $"{method} {status}" };
        _errors.AddOrUpdate(key, 1, (_, v) => v + 1);
        if (_firstErrors.Count < 20) _firstErrors.Enqueue($"{DateTime.UtcNow:HH:mm:ss} {key} {id}: {(body.Length > 300 ? body[..300] : body)}");
        forget?.Invoke();
    }

    private static string Rev(string body) => (string)JsonNode.Parse(body)!["rev"]!;
}
