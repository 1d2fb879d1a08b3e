using System.Globalization;
using MyNoSql.Grains.Attachments;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// Operator routes for this silo's attachment chunk stores (admin class, like every <c>/_mirror/…</c> route; not part of
/// the client contract): <c>GET /_mirror/attachments/{db}</c> → <c>{"silo","manifests","chunks","bytes"}</c> (what this
/// silo stores for the database, so one can see a body stored once however many records name it), and
/// <c>POST /_mirror/attachments/{db}/_collect?grace=S</c> → collects the bodies no record of this silo refers to that are
/// older than S seconds (default: the configured grace), answering what was removed.
/// </summary>
internal static class AttachmentDiagnostics
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/_mirror/attachments/{db}", StatsAsync);
        app.MapPost("/_mirror/attachments/{db}/_collect", CollectAsync);
    }

    private static async Task StatsAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        string directory = context.RequestServices.GetRequiredService<MirrorAttachments>().Store(db).Directory;
        int manifests = Count(Path.Combine(directory, "manifests"), out _);
        int chunks = Count(Path.Combine(directory, "chunks"), out long bytes);
        var local = context.RequestServices.GetRequiredService<ILocalSiloDetails>();
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("silo", local.Name);
            w.WriteNumber("manifests", manifests);
            w.WriteNumber("chunks", chunks);
            w.WriteNumber("bytes", bytes);
            w.WriteEndObject();
        });
    }

    private static async Task CollectAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        var attachments = context.RequestServices.GetRequiredService<MirrorAttachments>();
        var grace = attachments.Options.CollectionGrace;
        string? text = context.Request.Query["grace"].FirstOrDefault();
        if (text is not null)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds >= 0 && seconds <= 30 * 86400))
            {
                await ApiResponse.ErrorAsync(context, 400, "bad_request", $"grace must be 0–2592000 seconds (got '{ApiResponse.Quote(text)}').");
                return;
            }
            grace = TimeSpan.FromSeconds(seconds);
        }
        var result = await context.RequestServices.GetRequiredService<AttachmentCollector>().CollectAsync(db, grace, context.RequestAborted);
        if (result is null)
        {
            await ApiResponse.ErrorAsync(context, 503, "unavailable", "This mirror has no local record store (shared storage): it cannot tell which bodies are referenced.");
            return;
        }
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("live_manifests", result.LiveManifests);
            w.WriteNumber("live_chunks", result.LiveChunks);
            w.WriteNumber("manifests_deleted", result.ManifestsDeleted);
            w.WriteNumber("chunks_deleted", result.ChunksDeleted);
            w.WriteNumber("bytes_freed", result.BytesFreed);
            w.WriteEndObject();
        });
    }

    private static int Count(string directory, out long bytes)
    {
        bytes = 0;
        if (!Directory.Exists(directory)) return 0;
        int count = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            count++;
            bytes += file.Length;
        }
        return count;
    }
}
