using MyNoSql.Grains;

namespace MyNoSql.Silo.Gateway;

/// <summary><c>GET /healthz</c> and <c>GET /mirrors</c> (DESIGN §4).</summary>
internal static class ClusterEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (HttpContext context) =>
        {
            context.Response.StatusCode = 200;
            return ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartObject();
                w.WriteString("status", "ok");
                w.WriteEndObject();
            });
        });
        app.MapGet("/mirrors", async (HttpContext context, IMirrorDirectory mirrors) =>
        {
            var urls = await mirrors.GetMirrorUrlsAsync(context.RequestAborted);
            context.Response.StatusCode = 200;
            await ApiResponse.WriteAsync(context, w =>
            {
                w.WriteStartArray();
                foreach (var url in urls) w.WriteStringValue(url);
                w.WriteEndArray();
            });
        });
    }
}
