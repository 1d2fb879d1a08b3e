using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.Chaos.Tests;

/// <summary>
/// HTTP load through the mirrors' gateways: each writer creates, updates, deletes and reads its own records and
/// records every answer. An answer that is neither the success nor the documented 503 leaves the record "in doubt"
/// (the write may or may not have happened), and the writer never touches it again. A 409 or a stale read of a
/// record that is not in doubt means a mirror lost an acknowledged write: a violation.
/// </summary>
/// <param name="excused">With replicas: whether a 503 <c>quorum_unavailable</c> for a record (id, request start, end on
/// <see cref="Elapsed"/>) is explained by the chaos (a majority of the record's holders down meanwhile); such answers are
/// allowed and counted in <see cref="ExcusedQuorums"/>.</param>
public sealed class HttpLoad(ChaosCluster cluster, string db, int seed, Func<string, double, double, bool>? excused = null)
{
    private readonly ConcurrentDictionary<string, int> _statuses = new(StringComparer.Ordinal);
    /// <summary>
    /// The mirrors' replication timeout (<c>--replication-timeout-seconds</c>, default 10, not overridden by
    /// <see cref="ChaosCluster"/>). A 503 <c>quorum_unavailable</c> that came only after the gateway waited this long is
    /// the documented answer of a mirror whose live peers did not confirm in time (on this 2-core machine: starved by
    /// the rest of the suite); any other 5xx, or that 503 sooner, is a bug.
    /// </summary>
    private const double ReplicationTimeoutSeconds = 10;

    /// <summary>
    /// The gateway's <c>--unavailable-retry-seconds</c> (default 25). A record whose grain lives on a SIGKILLed mirror cannot
    /// be reached until the cluster declares that mirror dead (Orleans' failure detection: on this loaded machine it took up
    /// to ~40 s with two mirrors down) or its restart supersedes it; the gateway retries that long and then answers 503
    /// <c>unavailable</c>, the documented refusal (its last back-off step, at most 1 s, is not waited when it would pass the
    /// limit: hence 24). Sooner, or any other 5xx, is a bug.
    /// </summary>
    private const double UnavailableRetrySeconds = 24;

    private readonly ConcurrentQueue<string> _serverErrors = new();
    private readonly ConcurrentQueue<string> _timedOutQuorums = new();
    private readonly ConcurrentQueue<string> _excusedQuorums = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Every record whose last write was acknowledged (201 / 200), with that revision and whether it is a tombstone.</summary>
    public ConcurrentDictionary<string, (string Rev, bool Deleted)> Acked { get; } = new(StringComparer.Ordinal);

    /// <summary>Records whose last write got no clear answer (503, timeout, cut connection): either outcome is allowed.</summary>
    public ConcurrentDictionary<string, bool> InDoubt { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Statuses => _statuses;

    /// <summary>Every 5xx answer but the timed-out quorums: "t=start..end" of the request (seconds on <see cref="Elapsed"/>), request, status and body.</summary>
    public IReadOnlyCollection<string> ServerErrors => _serverErrors;

    /// <summary>503 <c>quorum_unavailable</c> answers given after the full replication timeout, and 503 <c>unavailable</c> after the
    /// gateway's full retry time (same format): allowed, reported.</summary>
    public IReadOnlyCollection<string> TimedOutQuorums => _timedOutQuorums;

    /// <summary>503 <c>quorum_unavailable</c> answers <c>excused</c> by the chaos (same format): allowed, reported.</summary>
    public IReadOnlyCollection<string> ExcusedQuorums => _excusedQuorums;

    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary>Time since the load was created (the clock of every timestamp it reports).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public long Requests => _statuses.Values.Sum();

    public Task RunAsync(int writers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriterAsync(w, stop), CancellationToken.None)));

    private async Task WriterAsync(int w, CancellationToken stop)
    {
        var random = new Random(seed * 100 + w);
        var own = new List<string>();
        int n = 0;
        while (!stop.IsCancellationRequested)
        {
            int target = PickMirror(random);
            if (target < 0)
            {
                await Task.Delay(50, CancellationToken.None);
                continue;
            }
            string baseUrl = $"{cluster.Url(target)}/db/{db}/doc/";
            double r = random.NextDouble();
            if (r < 0.4 || own.Count == 0)
            {
                string id = $"h{w}/{n++}";
                var (status, body) = await SendAsync(HttpMethod.Put, baseUrl + Uri.EscapeDataString(id), $"{{\"w\":{w},\"n\":{n}}}", id);
                if (status == 201)
                {
                    Acked[id] = (Rev(body), false);
                    own.Add(id);
                }
                else Doubt(id, "create", status, body);
            }
            else if (r < 0.65)
            {
                string id = own[random.Next(own.Count)];
                var (rev, _) = Acked[id];
                var (status, body) = await SendAsync(HttpMethod.Put, baseUrl + Uri.EscapeDataString(id), $"{{\"id\":\"{id}\",\"rev\":\"{rev}\",\"w\":{w},\"n\":{n++}}}", id);
                if (status == 201) Acked[id] = (Rev(body), false);
                else
                {
                    own.Remove(id);
                    if (status == 409) Violation($"update of '{id}' at acknowledged rev {rev} got 409 from mirror {target}: {body}");
                    Doubt(id, "update", status, body);
                }
            }
            else if (r < 0.75)
            {
                string id = own[random.Next(own.Count)];
                var (rev, _) = Acked[id];
                own.Remove(id);
                var (status, body) = await SendAsync(HttpMethod.Delete, baseUrl + Uri.EscapeDataString(id) + "?rev=" + Uri.EscapeDataString(rev), null, id);
                if (status == 200) Acked[id] = (Rev(body), true);
                else
                {
                    if (status is 404 or 409) Violation($"delete of '{id}' at acknowledged rev {rev} got {status} from mirror {target}: {body}");
                    Doubt(id, "delete", status, body);
                }
            }
            else
            {
                string id = own[random.Next(own.Count)];
                var (rev, _) = Acked[id];
                var (status, body) = await SendAsync(HttpMethod.Get, baseUrl + Uri.EscapeDataString(id), null, id);
                if (status == 200 && Rev(body) != rev)
                    Violation($"read of '{id}' from mirror {target} returned rev {Rev(body)}, acknowledged {rev}");
                else if (status is 404)
                    Violation($"read of acknowledged '{id}' ({rev}) from mirror {target} got 404");
            }
        }
    }

    private int PickMirror(Random random)
    {
        var up = Enumerable.Range(0, cluster.Count).Where(cluster.IsUp).ToList();
        return up.Count == 0 ? -1 : up[random.Next(up.Count)];
    }

    private async Task<(int Status, string Body)> SendAsync(HttpMethod method, string url, string? json, string id)
    {
        double started = _clock.Elapsed.TotalSeconds;
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        int status;
        string body;
        try
        {
            using var response = await cluster.Http.SendAsync(request);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // The mirror was killed while the request ran (connection refused or cut): no answer, not a status.
            status = 0;
            body = e.GetType().Name + ": " + e.Message;
        }
        _statuses.AddOrUpdate($"{method} {(status == 0 ? "no-answer" : status.ToString(System.Globalization.CultureInfo.InvariantCulture))}", 1, (_, c) => c + 1);
        double ended = _clock.Elapsed.TotalSeconds;
        if (status >= 500)
        {
            bool quorum = status == 503 && body.Contains("\"quorum_unavailable\"", StringComparison.Ordinal);
            bool unavailable = status == 503 && body.Contains("\"error\":\"unavailable\"", StringComparison.Ordinal);
            bool timedOut = (quorum && ended - started >= ReplicationTimeoutSeconds) || (unavailable && ended - started >= UnavailableRetrySeconds);
            bool excusedByChaos = quorum && !timedOut && excused is not null && excused(id, started, ended);
            (timedOut ? _timedOutQuorums : excusedByChaos ? _excusedQuorums : _serverErrors).Enqueue($"t={started:F2}s..{ended:F2}s {method} {url} -> {status} {(body.Length > 300 ? body[..300] : body)}");
        }
        return (status, body);
    }

    private void Doubt(string id, string what, int status, string body)
    {
        InDoubt[id] = true;
        // A fresh id or an acknowledged rev can only fail with a 503 or no answer; anything else is a bug.
        if (status is not (0 or 503 or 409 or 404))
            Violation($"{what} of '{id}' got {status}: {(body.Length > 200 ? body[..200] : body)}");
    }

    private void Violation(string text) => _violations.Enqueue($"t={_clock.Elapsed.TotalSeconds:F2}s {text}");

    private static string Rev(string body) => (string)JsonNode.Parse(body)!["rev"]!;
}
