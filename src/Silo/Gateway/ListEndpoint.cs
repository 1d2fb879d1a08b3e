using System.Globalization;
using MyNoSql.Grains;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary><c>GET /db/{db}/docs?prefix=P&amp;limit=N&amp;after=ID</c>: live ids in ordinal order, a page at a time.</summary>
internal static class ListEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/db/{db}/docs", ListAsync);

    private static async Task ListAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var query = context.Request.Query;
        string prefix = query["prefix"].FirstOrDefault() ?? "";
        string? after = query["after"].FirstOrDefault();
        int limit = DefaultLimit;
        string? limitText = query["limit"].FirstOrDefault();
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_limit", $"limit must be an integer 1–{MaxLimit} (got '{ApiResponse.Quote(limitText)}').");
            return;
        }
        if (prefix.Length > 0 && prefix.Any(char.IsControl) || after is not null && after.Length == 0)
        {
            await ApiResponse.ErrorAsync(context, 400, "invalid_query", "prefix must not contain control characters and after must not be empty.");
            return;
        }
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var pages = await ClusterCall.RetryAsync(context, () => Task.WhenAll(Enumerable.Range(0, MyNoSql.Storage.Sync.SyncCheckpoint.Segments).Select(s =>
            grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, s)).ListIds(prefix, after, limit, context.RequestAborted).AsTask())));
        var ids = pages.SelectMany(p => p.Ids).Order(StringComparer.Ordinal).ToList();
        bool more = ids.Count > limit || pages.Any(p => p.HasMore);
        if (ids.Count > limit) ids.RemoveRange(limit, ids.Count - limit);
        string? next = more && ids.Count > 0 ? ids[^1] : null;
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("ids");
            foreach (var id in ids) w.WriteStringValue(id);
            w.WriteEndArray();
            if (next is null) w.WriteNull("next");
            else w.WriteString("next", next);
            w.WriteEndObject();
        });
    }
}
