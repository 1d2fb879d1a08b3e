using System.Collections.Concurrent;
using MyNoSql.Grains;
using MyNoSql.Sync;

namespace MyNoSql.Sync.Tests.Support;

/// <summary>
/// The HTTP sync transport behind a <c>rec://</c> scheme that records every pushed batch, push answer and fetch answer,
/// and sends each call to the mirror and database the test names now (so one peer can be pointed at a database the
/// mirror never saw: its bases are then unknown there).
/// </summary>
internal sealed class RecordingTransport(MyNoSqlOptions options, SyncRecorder recorder) : ISyncTransport
{
    public const string Scheme = "rec";

    private readonly HttpSyncTransport _http = new(options);

    public async Task<IReadOnlyList<string>> GetMirrorsAsync(string mirror, CancellationToken ct)
    {
        await _http.GetMirrorsAsync(recorder.Target, ct);
        return [mirror];
    }

    public Task<bool> PollAsync(string mirror, string db, string? checkpoint, CancellationToken ct) =>
        _http.PollAsync(recorder.Target, recorder.Database(db), checkpoint, ct);

    public Task<ChangesPage> GetChangesAsync(string mirror, string db, string? checkpoint, int limit, IReadOnlyList<string> prefixes, CancellationToken ct) =>
        _http.GetChangesAsync(recorder.Target, recorder.Database(db), checkpoint, limit, prefixes, ct);

    public async Task<IReadOnlyList<PushResult>> PushAsync(string mirror, string db, byte[] batch, IReadOnlyList<string> ids, CancellationToken ct)
    {
        recorder.Pushed.Enqueue(batch.Length);
        var results = await _http.PushAsync(recorder.Target, recorder.Database(db), batch, ids, ct);
        foreach (var r in results) recorder.Statuses.Enqueue(r.Status);
        return results;
    }

    public Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, CancellationToken ct) =>
        FetchAsync(mirror, db, ids, [.. ids.Select(_ => (string?)null)], ct);

    public async Task<byte[]> FetchAsync(string mirror, string db, IReadOnlyList<string> ids, IReadOnlyList<string?> heldRevs, CancellationToken ct)
    {
        var answer = await _http.FetchAsync(recorder.Target, recorder.Database(db), ids, heldRevs, ct);
        if (recorder.CorruptDeltas) answer = Corrupt(answer);
        recorder.Fetched.Enqueue(answer.Length);
        recorder.FetchedWithRev.Enqueue(heldRevs.Count(r => r is not null));
        return answer;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The batch with one byte of every delta body flipped (as a hostile or broken mirror might send it).</summary>
    private static byte[] Corrupt(byte[] batch)
    {
        var records = SyncBatch.Decode(batch);
        return SyncBatch.Encode(records.Select(r => r with
        {
            Leaves = [.. r.Leaves.Select(l =>
            {
                if (!l.BodyIsDelta) return l;
                var body = (byte[])l.Body.Clone();
                body[body.Length / 2] ^= 0x5A;
                return l with { Body = body };
            })],
        }));
    }
}

/// <summary>What a <see cref="RecordingTransport"/> saw, and where it sends calls.</summary>
internal sealed class SyncRecorder(string target)
{
    /// <summary>The mirror's HTTP base URL calls go to.</summary>
    public string Target { get; set; } = target;

    /// <summary>When set, every delta body in fetch answers is corrupted on the way to the peer.</summary>
    public bool CorruptDeltas { get; set; }

    /// <summary>When set, the database calls go to instead of the peer's.</summary>
    public string? DatabaseOverride { get; set; }

    public ConcurrentQueue<int> Pushed { get; } = new();

    public ConcurrentQueue<string> Statuses { get; } = new();

    public ConcurrentQueue<int> Fetched { get; } = new();

    public ConcurrentQueue<int> FetchedWithRev { get; } = new();

    public string Database(string db) => DatabaseOverride ?? db;

    public void Clear()
    {
        Pushed.Clear();
        Statuses.Clear();
        Fetched.Clear();
        FetchedWithRev.Clear();
    }

    /// <summary>Options that route <c>rec://m</c> through a recording transport.</summary>
    public void Configure(MyNoSqlOptions options) => options.Transports[RecordingTransport.Scheme] = () => new RecordingTransport(options, this);

    public const string Url = "rec://m";
}
