using System.Reflection;
using Microsoft.Extensions.Options;
using MyNoSql.Grains.Storage;
using MyNoSql.Silo.Configuration;
using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Couch;

/// <summary>
/// The CouchDB replication protocol under <c>/couch</c> (DESIGN §10, README.md here): the server and database routes,
/// <c>_ensure_full_commit</c>, and the registration of the document, change-feed, replication and <c>_local</c> routes.
/// Every database name of ours exists (records make a database), so <c>GET /couch/{db}</c> answers 200 for any valid
/// name and <c>PUT</c> is 201 for a database this mirror holds nothing of, 412 <c>file_exists</c> otherwise.
/// </summary>
internal static class CouchEndpoints
{
    /// <summary>The CouchDB version whose API this serves (what PouchDB and CouchDB replicators may read).</summary>
    public const string CouchVersion = "3.3.3";

    private static readonly string Version =
        typeof(CouchEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static string? s_uuid;

    public static void Map(IEndpointRouteBuilder app)
    {
        // HEAD as GET (CouchDB answers it with GET's status and headers): Kestrel drops the body a HEAD response must not carry.
        app.MapMethods("/couch/", [HttpMethods.Get, HttpMethods.Head], WelcomeAsync); // also serves /couch
        app.MapMethods("/couch/{db}", [HttpMethods.Get, HttpMethods.Head], (HttpContext c, string db) => CouchHttp.RunAsync(c, () => DatabaseAsync(c, db)));
        app.MapPut("/couch/{db}", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => CreateAsync(c, db)));
        app.MapDelete("/couch/{db}", (HttpContext c, string db) => CouchHttp.RunAsync(c, () => DropAsync(c, db)));
        app.MapPost("/couch/{db}/_ensure_full_commit", async (HttpContext c, string db) =>
        {
            // Every acknowledged write is already durable (fsync) on this mirror: nothing to flush.
            if (!await CouchHttp.CheckDatabaseAsync(c, db)) return;
            await CouchHttp.WriteAsync(c, 201, w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("ok", true);
                w.WriteString("instance_start_time", "0");
                w.WriteEndObject();
            });
        });
        // CouchDB compacts in the background and answers 202 at once; our segments compact on their own: nothing to start.
        app.MapPost("/couch/{db}/_compact", async (HttpContext c, string db) =>
        {
            if (!await CouchHttp.CheckDatabaseAsync(c, db)) return;
            await ApiResponse.OkAsync(c, 202);
        });
        CouchLocalEndpoints.Map(app);
        CouchChangesEndpoint.Map(app);
        CouchReplicationEndpoints.Map(app);
        CouchDocumentEndpoints.Map(app);
    }

    private static Task WelcomeAsync(HttpContext context)
    {
        string uuid = s_uuid ??= SiloIdentity.Uuid(Path.GetFullPath(context.RequestServices.GetRequiredService<IOptions<MirrorOptions>>().Value.Data));
        return CouchHttp.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("couchdb", "Welcome");
            w.WriteString("version", CouchVersion);
            w.WriteString("uuid", uuid);
            w.WriteStartObject("vendor");
            w.WriteString("name", "MyNoSql");
            w.WriteString("version", Version);
            w.WriteEndObject();
            w.WriteStartArray("features");
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// <c>DELETE /couch/{db}</c> (and <c>/couch/{db}/</c>, PouchDB's <c>destroy()</c>): the native drop of
    /// <c>DELETE /db/{db}</c> (<see cref="DropDatabaseEndpoint"/>, admin right) — 200 <c>{"ok":true}</c>, 404
    /// <c>not_found</c> when no mirror holds it.
    /// </summary>
    internal static async Task DropAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        await DropDatabaseEndpoint.DropAsync(context, db);
    }

    /// <summary>Live and deleted records of <paramref name="db"/> in this mirror's copy (0, 0 with shared storage).</summary>
    internal static async Task<(long Live, long Deleted)> CountsAsync(HttpContext context, string db)
    {
        if (context.RequestServices.GetService<MirrorStoreHost>() is not { } host) return (0, 0);
        var store = await host.Store.WaitAsync(context.RequestAborted);
        if (!store.Index.Holds(db)) return (0, 0);
        var (live, deleted, _) = store.Index.Counts(db);
        return (live, deleted);
    }

    internal static async Task DatabaseAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        var (live, deleted) = await CountsAsync(context, db);
        var position = await ChangesEndpoints.Feed(context).NowAsync(db, context.RequestAborted);
        await CouchHttp.WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("db_name", db);
            w.WriteNumber("doc_count", live);
            w.WriteNumber("doc_del_count", deleted);
            w.WriteString("update_seq", CouchChangesEndpoint.Seq(position));
            w.WriteNumber("purge_seq", 0);
            w.WriteBoolean("compact_running", false);
            w.WriteNumber("disk_format_version", 8);
            w.WriteString("instance_start_time", "0");
            w.WriteEndObject();
        });
    }

    internal static async Task CreateAsync(HttpContext context, string db)
    {
        if (!await CouchHttp.CheckDatabaseAsync(context, db)) return;
        if (context.RequestServices.GetService<MirrorStoreHost>() is { } host && (await host.Store.WaitAsync(context.RequestAborted)).Index.Holds(db))
        {
            await ApiResponse.ErrorAsync(context, 412, "file_exists", "The database could not be created, the file already exists.");
            return;
        }
        await ApiResponse.OkAsync(context, 201);
    }
}
