using MyNoSql.Grains;

namespace MyNoSql.Silo.Gateway;

/// <summary><c>GET /_mirror/ping</c>: Kestrel → a stateless grain → 200, no storage. The benchmark's ceiling; not part of the client contract.</summary>
internal static class PingEndpoint
{
    private static readonly byte[] Pong = "{\"pong\":1}"u8.ToArray();

    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/_mirror/ping", async (HttpContext context, IGrainFactory grains) =>
    {
        await grains.GetGrain<IPingGrain>(0).Ping(1, context.RequestAborted);
        await ApiResponse.JsonBytesAsync(context, 200, Pong);
    });
}
