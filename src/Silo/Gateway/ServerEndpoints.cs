using System.Reflection;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Storage;
using MyNoSql.Silo.Configuration;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// The conveniences of DESIGN §11 that let a user look around with curl: <c>GET /</c> (product, version, this mirror's
/// uuid, stable across restarts), <c>GET /dbs</c> (the databases this mirror holds, sorted; under <c>--replicas N</c> those of every mirror) and <c>GET /db/{db}</c>
/// (<c>doc_count</c>, <c>deleted_count</c>, <c>disk_bytes</c>, <c>update_seq</c>; 404 <c>not_found</c> when this
/// mirror holds nothing of it). Counts are this mirror's full copy; <c>update_seq</c> is the cluster-wide position a
/// <c>_changes?since=</c> accepts; <c>disk_bytes</c> is the database's share (by records) of this mirror's store, which
/// all databases share. With <c>--storage adonet</c> there is no per-mirror copy to count: 503 <c>unavailable</c>.
/// </summary>
internal static partial class ServerEndpoints
{
    private static readonly string Version =
        typeof(ServerEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static string? s_uuid;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) =>
        {
            string uuid = s_uuid ??= SiloIdentity.Uuid(Path.GetFullPath(context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.Data));
            context.Response.StatusCode = 200;
            return ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartObject();
                w.WriteString("mynosql", "Welcome");
                w.WriteString("version", Version);
                w.WriteString("uuid", uuid);
                w.WriteEndObject();
            });
        });
        app.MapGet("/dbs", async (HttpContext context) =>
        {
            if (await StoreAsync(context) is not { } store) return;
            // --replicas N: no mirror holds every database, so every mirror is asked (DESIGN §12).
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServerEndpoints).FullName!);
            var cluster = await Grains.Placement.ClusterDatabases.ListAsync(context.RequestServices,
                (e, silo) => LogListFailed(logger, e, silo), context.RequestAborted);
            if (cluster is { Complete: false })
            {
                await ApiResponse.ErrorAsync(context, 503, "unavailable", "Too many mirrors did not answer to list every database of the cluster; retry.");
                return;
            }
            string[] databases = cluster?.Databases ?? store.Index.Databases();
            context.Response.StatusCode = 200;
            await ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartArray();
                foreach (string db in databases) w.WriteStringValue(db);
                w.WriteEndArray();
            });
        });
        app.MapGet("/db/{db}", async (HttpContext context, string db) =>
        {
            if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || await StoreAsync(context) is not { } store) return;
            // --replicas N: counted over the cluster, as no mirror holds the whole database (DESIGN §12).
            var cluster = await Grains.Placement.ClusterCounts.CountAsync(context.RequestServices, db, context.RequestAborted);
            if (cluster is { } clusterCounts ? clusterCounts.Live + clusterCounts.Deleted == 0 : !store.Index.Holds(db))
            {
                await ApiResponse.ErrorAsync(context, 404, "not_found", $"This mirror holds no record of database '{db}'.");
                return;
            }
            var (live, deleted, _) = store.Index.Counts(db);
            long held = live + deleted; // this mirror's records of the database: its share of the store's bytes
            var position = await ChangesEndpoints.Feed(context).NowAsync(db, context.RequestAborted);
            var statistics = store.Replica.Records.GetStatistics();
            long total = Math.Max(1, store.Count);
            long diskBytes = (long)((double)(statistics.SegmentBytes + statistics.LogBytes) * Math.Min(1.0, (double)held / total));
            if (cluster is { } counted) (live, deleted) = counted;
            context.Response.StatusCode = 200;
            await ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartObject();
                w.WriteString("db", db);
                w.WriteNumber("doc_count", live);
                w.WriteNumber("deleted_count", deleted);
                w.WriteNumber("disk_bytes", diskBytes);
                w.WriteString("update_seq", position.ToToken());
                w.WriteEndObject();
            });
        });
        DropDatabaseEndpoint.Map(app); // DELETE /db/{db}
    }

    [LoggerMessage(EventId = 3510, Level = LogLevel.Warning, Message = "GET /dbs: mirror {Silo} did not list its databases")]
    private static partial void LogListFailed(ILogger logger, Exception error, SiloAddress silo);

    /// <summary>This silo's copy; null once 503 was answered (shared ADO.NET storage keeps none).</summary>
    internal static async Task<MirrorStore?> StoreAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<MirrorStoreHost>() is { } host) return await host.Store.WaitAsync(context.RequestAborted);
        await ApiResponse.ErrorAsync(context, 503, "unavailable", "This mirror uses shared storage (--storage adonet) and keeps no copy of its own to list or count.");
        return null;
    }
}
