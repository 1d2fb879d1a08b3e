using System.Globalization;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql;

// Locks and fenced saves (DESIGN §9; src/Grains/Locks/README.md).
public sealed partial class MyNoSqlDb
{
    /// <summary>Longest wait one request to a mirror carries; a longer wait is several requests.</summary>
    private static readonly TimeSpan WaitPerRequest = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Takes the lock <paramref name="name"/> of this database on the mirrors for <paramref name="ttl"/>, waiting up to
    /// <paramref name="wait"/> while someone else holds it. Each grant carries a fencing token greater than any before for
    /// this name, even across the loss of the mirror that held it; a holder that crashes loses the lock after its ttl.
    /// </summary>
    /// <param name="name">1–255 UTF-8 bytes without control characters (slashes allowed, e.g. <c>orders/42</c>).</param>
    /// <param name="ttl">How long the hold lasts unless renewed: 1 ms to 1 day.</param>
    /// <param name="wait">How long to wait for the lock: zero (try once) or more.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="LockUnavailableException">No mirror is known or none answers (at once, without waiting).</exception>
    /// <exception cref="LockTimeoutException">Someone else still held the lock after <paramref name="wait"/>.</exception>
    /// <exception cref="ArgumentException">Invalid name, or <paramref name="ttl"/>/<paramref name="wait"/> out of range.</exception>
    public async Task<MyNoSqlLock> LockAsync(string name, TimeSpan ttl, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ValidateLockName(name);
        CheckTtl(ttl, nameof(ttl));
        if (wait < TimeSpan.Zero || wait > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "A lock wait must be zero to one day.");
        ThrowIfDisposed();
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            var remaining = deadline - DateTimeOffset.UtcNow;
            if (remaining < TimeSpan.Zero) remaining = TimeSpan.Zero;
            var chunk = remaining < WaitPerRequest ? remaining : WaitPerRequest;
            var (answer, mirror) = await _sync.OnMirrorAsync($"Lock '{name}'", null,
                (t, m) => t.LockAsync(m, Name, name, ttl, chunk, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (answer["error"] is null) return new MyNoSqlLock(this, name, Token(answer, mirror), Expires(answer, mirror), ttl, mirror);
            string error = Text(answer, "error"), reason = Text(answer, "reason");
            if (error != "locked") throw new MyNoSqlException($"Database '{Name}': lock '{name}' was not granted: {error}: {reason}");
            if (DateTimeOffset.UtcNow >= deadline) throw new LockTimeoutException(Name, name, wait, reason);
        }
    }

    /// <summary>
    /// savedoc fenced by a lock when <see cref="SaveOptions.Fence"/> is set: the record is saved through a mirror, which
    /// refuses it when the lock's token no longer holds the lock (a newer one was issued, or the hold expired or was
    /// released); the saved revision is then stored locally (fetched from that mirror) and returned. The record's
    /// <c>rev</c> is checked against the mirrors' copy. Without a fence: <see cref="SaveDocAsync(JsonObject, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="StaleFenceException">The fencing token no longer holds its lock; nothing was written.</exception>
    /// <exception cref="RevisionConflictException">The <c>rev</c> is not the mirrors' current one; nothing was written.</exception>
    /// <exception cref="LockUnavailableException">No mirror answered.</exception>
    /// <exception cref="ArgumentException">Invalid record, or a lock of another database.</exception>
#pragma warning disable RS0026 // beside SaveDocAsync(record, ct) (DESIGN §3)
    public async Task<JsonObject> SaveDocAsync(JsonObject record, SaveOptions options, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Fence is not { } fence) return await SaveDocAsync(record, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(fence.Database, this)) throw new ArgumentException($"The fence is a lock of another database handle ('{fence.Database.Name}').", nameof(options));
        ThrowIfDisposed();
        string id = record["id"] is JsonValue v && v.TryGetValue<string>(out var given) ? given : DocumentId.NewId();
        DocumentId.Validate(id, nameof(record));
        var copy = (JsonObject)record.DeepClone();
        copy["id"] = id;
        var (answer, mirror) = await _sync.OnMirrorAsync($"A save of '{id}' fenced by lock '{fence.Name}'", fence.Mirror,
            (t, m) => t.SaveFencedAsync(m, Name, id, copy, fence.Name, fence.FencingToken, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (answer["error"] is not null)
        {
            string error = Text(answer, "error"), reason = Text(answer, "reason");
            throw error switch
            {
                "fenced" => new StaleFenceException(Name, fence.Name, fence.FencingToken, reason),
                "conflict" => new RevisionConflictException(Name, id, copy["rev"]?.GetValue<string>(), null),
                _ => new MyNoSqlException($"Database '{Name}': the fenced save of '{id}' failed: {error}: {reason}"),
            };
        }
        await _sync.StoreFromMirrorAsync(mirror, id, cancellationToken).ConfigureAwait(false);
        return answer;
    }

    internal async Task<(DateTimeOffset Expires, string Mirror)> RenewLockAsync(MyNoSqlLock held, TimeSpan ttl, CancellationToken ct)
    {
        ThrowIfDisposed();
        var (answer, mirror) = await _sync.OnMirrorAsync($"Renewing lock '{held.Name}'", held.Mirror,
            (t, m) => t.RenewLockAsync(m, Name, held.Name, held.FencingToken, ttl, ct), ct).ConfigureAwait(false);
        if (answer["error"] is null) return (Expires(answer, mirror), mirror);
        throw new StaleFenceException(Name, held.Name, held.FencingToken, $"{Text(answer, "error")}: {Text(answer, "reason")}");
    }

    internal async Task ReleaseLockAsync(MyNoSqlLock held, CancellationToken ct)
    {
        ThrowIfDisposed();
        // 404/409 (expired, superseded): nothing to release.
        await _sync.OnMirrorAsync($"Releasing lock '{held.Name}'", held.Mirror,
            (t, m) => t.ReleaseLockAsync(m, Name, held.Name, held.FencingToken, ct), ct).ConfigureAwait(false);
    }

    internal static void CheckTtl(TimeSpan ttl, string parameter)
    {
        if (ttl < TimeSpan.FromMilliseconds(1) || ttl > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(parameter, ttl, "A lock's ttl must be 1 ms to one day.");
    }

    private static void ValidateLockName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A lock name must not be empty.", nameof(name));
        int bytes;
        try
        {
            bytes = new System.Text.UTF8Encoding(false, true).GetByteCount(name);
        }
        catch (System.Text.EncoderFallbackException)
        {
            throw new ArgumentException("A lock name must be valid Unicode (no lone surrogates).", nameof(name));
        }
        if (bytes > 255) throw new ArgumentException($"A lock name is at most 255 UTF-8 bytes (got {bytes}).", nameof(name));
        if (name.Any(char.IsControl)) throw new ArgumentException("A lock name must not contain control characters.", nameof(name));
    }

    private static string Text(JsonObject answer, string field) =>
        answer[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    private static long Token(JsonObject answer, string mirror) =>
        answer["token"] is JsonValue value && value.TryGetValue<long>(out long token) && token > 0
            ? token
            : throw new MyNoSqlException($"{mirror}: the lock answer has no valid token");

    private static DateTimeOffset Expires(JsonObject answer, string mirror) =>
        DateTimeOffset.TryParse(Text(answer, "expires"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new MyNoSqlException($"{mirror}: the lock answer has no valid expiry");
}
