using System.Globalization;
using MyNoSql.Grains;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Locks (DESIGN §9; src/Grains/Locks/README.md). <c>POST /db/{db}/_locks/{name}?ttl=S&amp;wait=S</c> takes the lock
/// (200 <c>{"name","token","expires"}</c>, or 409 <c>locked</c> once <c>wait</c> seconds passed), <c>PUT …?token=T&amp;ttl=S</c>
/// renews the hold of token T, <c>DELETE …?token=T</c> releases it (200 <c>{"name","token","released":true}</c>). A token
/// that does not hold the lock gets 409 <c>not_held</c>; a lock never taken 404 <c>not_found</c>; bad names, ttl, wait or
/// tokens 400 <c>bad_request</c>; a lock whose state cannot reach a quorum of mirrors 503 <c>quorum_unavailable</c>.
/// Seconds may have decimals (<c>ttl=0.5</c>); ttl defaults to 30 s (1 ms to 1 day), wait to 0 (at most 300 s). The name
/// is the rest of the path, URL-decoded once (<c>orders/42</c> or <c>orders%2F42</c>). Also the fence of a save or an attachment write
/// (<c>PUT /db/{db}/doc/{id}?fence=NAME:TOKEN</c>, <see cref="ParseFenceAsync"/>).
/// </summary>
internal static class LockEndpoints
{
    /// <summary>Default hold when a request names no ttl.</summary>
    public const double DefaultTtlSeconds = 30;

    /// <summary>Longest wait one request may ask for.</summary>
    public const double MaxWaitSeconds = 300;

    /// <summary>The longest single wait call of a waiting acquire (well below <c>UnavailableRetryPolicy.MinimumWait</c>).</summary>
    private const long WaitSliceMs = 3_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/db/{db}/_locks/{**name}", AcquireAsync);
        app.MapPut("/db/{db}/_locks/{**name}", RenewAsync);
        app.MapDelete("/db/{db}/_locks/{**name}", ReleaseAsync);
    }

    private static async Task AcquireAsync(HttpContext context, string db)
    {
        if (await AddressAsync(context, db) is not { } name) return;
        if (await SecondsAsync(context, "ttl", DefaultTtlSeconds, 0.001, LockGrainMaxTtlSeconds) is not { } ttl) return;
        if (await SecondsAsync(context, "wait", 0, 0, MaxWaitSeconds) is not { } wait) return;
        var grain = Grain(context, db, name);
        var ct = context.RequestAborted;
        long ttlMs = (long)Math.Ceiling(ttl * 1000);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(wait);
        while (true)
        {
            var reply = await ClusterCall.RetryAsync(context, () => grain.Acquire(ttlMs, ct));
            if (reply.Status != LockStatus.Locked)
            {
                await AnswerAsync(context, db, name, reply);
                return;
            }
            var now = DateTimeOffset.UtcNow;
            long remaining = (long)Math.Ceiling((deadline - now).TotalMilliseconds);
            if (remaining <= 0)
            {
                await ApiResponse.ErrorAsync(context, 409, "locked",
                    $"Lock '{ApiResponse.Quote(name)}' of database '{db}' is held until {Time(reply.ExpiresUnixMs)}; waited {wait.ToString(CultureInfo.InvariantCulture)} s.");
                return;
            }
            // Woken by a release at once; by the hold's expiry at the latest (a crashed holder's lock frees after its ttl).
            // Each wait is one grain call of at most WaitSliceMs: ClusterCall abandons a call unanswered for
            // --unavailable-retry-seconds (5 s at least) as a hung mirror's, and a long wait is not one.
            long untilExpiry = Math.Max(5, reply.ExpiresUnixMs - now.ToUnixTimeMilliseconds() + 1); // 5 ms: clocks of two silos may differ
            await ClusterCall.RetryAsync(context, async () =>
            {
                await grain.WaitForChange(reply.Version, Math.Min(Math.Min(remaining, untilExpiry), WaitSliceMs), ct);
                return true;
            });
        }
    }

    private static async Task RenewAsync(HttpContext context, string db)
    {
        if (await AddressAsync(context, db) is not { } name) return;
        if (await TokenAsync(context) is not { } token) return;
        if (await SecondsAsync(context, "ttl", DefaultTtlSeconds, 0.001, LockGrainMaxTtlSeconds) is not { } ttl) return;
        var grain = Grain(context, db, name);
        long ttlMs = (long)Math.Ceiling(ttl * 1000);
        var reply = await ClusterCall.RetryAsync(context, () => grain.Renew(token, ttlMs, context.RequestAborted));
        await AnswerAsync(context, db, name, reply, token);
    }

    private static async Task ReleaseAsync(HttpContext context, string db)
    {
        if (await AddressAsync(context, db) is not { } name) return;
        if (await TokenAsync(context) is not { } token) return;
        var grain = Grain(context, db, name);
        var reply = await ClusterCall.RetryAsync(context, () => grain.Release(token, context.RequestAborted));
        if (reply.Status == LockStatus.Granted)
        {
            context.Response.StatusCode = 200;
            await ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteNumber("token", token);
                w.WriteBoolean("released", true);
                w.WriteEndObject();
            });
            return;
        }
        await AnswerAsync(context, db, name, reply, token);
    }

    /// <summary>
    /// The fence of a save, from <c>?fence=NAME:TOKEN</c> (split at the last colon; the query value is URL-decoded once):
    /// (null, 0) when the request has none; null once a malformed fence was answered with 400 <c>bad_request</c>.
    /// </summary>
    public static async Task<(string? Name, long Token)?> ParseFenceAsync(HttpContext context)
    {
        if (!context.Request.Query.TryGetValue("fence", out var values)) return (null, 0);
        string fence = values.Count == 1 ? values[0] ?? "" : "";
        int colon = fence.LastIndexOf(':');
        string name = colon > 0 ? fence[..colon] : "";
        string? problem = values.Count != 1 ? "give one fence" : colon <= 0 ? "the fence is NAME:TOKEN" : LockName.Problem(name);
        long token = 0;
        if (problem is null && (!long.TryParse(fence.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out token) || token <= 0))
            problem = "the fence's token is a positive integer";
        if (problem is not null)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Invalid fence '{ApiResponse.Quote(fence)}': {problem}.");
            return null;
        }
        return (name, token);
    }

    /// <summary>A save refused by its fence: 409 <c>fenced</c>.</summary>
    public static Task FencedAsync(HttpContext context, string? reason) =>
        ApiResponse.ErrorAsync(context, 409, "fenced", reason ?? "The save's fencing token no longer holds its lock; nothing was written.");

    private static double LockGrainMaxTtlSeconds => 86_400;

    private static ILockGrain Grain(HttpContext context, string db, string name) =>
        context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<ILockGrain>(LockName.Key(db, name));

    private static async Task AnswerAsync(HttpContext context, string db, string name, LockReply reply, long token = 0)
    {
        switch (reply.Status)
        {
            case LockStatus.Granted:
                context.Response.StatusCode = 200;
                await ApiResponse.WriteAsync(context, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("name", name);
                    w.WriteNumber("token", reply.Token);
                    w.WriteString("expires", Time(reply.ExpiresUnixMs));
                    w.WriteEndObject();
                });
                break;
            case LockStatus.NotFound:
                await ApiResponse.ErrorAsync(context, 404, "not_found", $"Lock '{ApiResponse.Quote(name)}' of database '{db}' was never taken.");
                break;
            case LockStatus.NotHeld:
                await ApiResponse.ErrorAsync(context, 409, "not_held",
                    $"Token {token} does not hold lock '{ApiResponse.Quote(name)}' of database '{db}' (" +
                    (reply.ExpiresUnixMs == 0 ? "free now" : $"held by another token until {Time(reply.ExpiresUnixMs)}") + "): it was released, expired or superseded.");
                break;
            default:
                await ApiResponse.ErrorAsync(context, 503, "quorum_unavailable",
                    $"Lock '{ApiResponse.Quote(name)}' of database '{db}': too few mirrors answer to keep its state on a write quorum; nothing was granted.");
                break;
        }
    }

    private static async Task<string?> AddressAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return null;
        string name = RecordAddress.IdOf(context);
        if (LockName.Problem(name) is { } problem)
        {
            await ApiResponse.ErrorAsync(context, 400, "bad_request", $"Invalid lock name '{ApiResponse.Quote(name)}': {problem}.");
            return null;
        }
        return name;
    }

    private static async Task<double?> SecondsAsync(HttpContext context, string parameter, double fallback, double min, double max)
    {
        var values = context.Request.Query[parameter];
        if (values.Count == 0) return fallback;
        if (values.Count == 1 && double.TryParse(values[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            && double.IsFinite(seconds) && seconds >= min && seconds <= max)
            return seconds;
        await ApiResponse.ErrorAsync(context, 400, "bad_request",
            $"{parameter} must be one number of seconds from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{ApiResponse.Quote(string.Join(",", values.ToArray()))}').");
        return null;
    }

    private static async Task<long?> TokenAsync(HttpContext context)
    {
        var values = context.Request.Query["token"];
        if (values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out long token) && token > 0) return token;
        await ApiResponse.ErrorAsync(context, 400, "bad_request",
            $"token must be the positive integer the lock was granted with (got '{ApiResponse.Quote(string.Join(",", values.ToArray()))}').");
        return null;
    }

    private static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
