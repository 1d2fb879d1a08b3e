using MyNoSql.Grains.Placement;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// <c>GET /_mirror/replicas</c>: this mirror's view of <c>--replicas N</c> (DESIGN §12): N, the live mirrors' identities,
/// whether records are placed on N of them (<c>active</c>), the view its rebalancer last settled, and whether every mirror
/// settled the current one (<c>stable</c>: reads use a read quorum of the holders again, not every mirror). Operators
/// and benches wait on <c>stable</c> after a membership change. Admin only; not part of the client contract.
/// </summary>
internal static class ReplicasEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/_mirror/replicas", async context =>
    {
        var sets = context.RequestServices.GetRequiredService<ReplicaSets>();
        var settled = context.RequestServices.GetService<Rebalancer>()?.View;
        var view = sets.Current;
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("replicas", sets.Replicas);
            w.WriteBoolean("active", sets.Active);
            w.WriteStartArray("mirrors");
            foreach (var name in view.Names.Order(StringComparer.Ordinal)) w.WriteStringValue(name);
            w.WriteEndArray();
            if (settled?.Mirrors is { } names)
            {
                w.WriteStartArray("settled");
                foreach (var name in names) w.WriteStringValue(name);
                w.WriteEndArray();
            }
            else w.WriteNull("settled");
            w.WriteBoolean("stable", sets.Replicas == 0 || sets.Stable);
            w.WriteEndObject();
        });
    });
}
