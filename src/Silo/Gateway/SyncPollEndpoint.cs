using MyNoSql.Storage.Sync;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// <c>GET /db/{db}/sync/poll?t=TOKEN</c>: the cheap "did anything change" poll of the sync protocol. TOKEN is
/// <see cref="SyncCheckpoint.PollTokenOf"/> of the peer's checkpoint (as <c>/sync/changes</c> issued it); the answer is
/// 204 with no body when that checkpoint is the current one, else 200 <c>{"changed":true}</c> (then pull
/// <c>/sync/changes</c>). Request and answer together stay under 512 bytes whatever the database size.
/// </summary>
internal static class SyncPollEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/db/{db}/sync/poll", PollAsync).WithSyncMetrics("poll");

    private static async Task PollAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db)) return;
        if (!await SyncEndpoints.Service(context).HasChangedAsync(db, context.Request.Query["t"].FirstOrDefault(), context.RequestAborted))
        {
            context.Response.StatusCode = 204;
            return;
        }
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("changed", true);
            w.WriteEndObject();
        });
    }
}
