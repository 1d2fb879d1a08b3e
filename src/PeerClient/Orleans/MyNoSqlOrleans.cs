using MyNoSql.Sync;

namespace MyNoSql;

/// <summary>
/// The <c>orleans://host:gatewayPort</c> sync transport: a peer engine inside a trusted server syncs through grain
/// calls on a mirror's Orleans gateway instead of HTTP. An app that syncs over HTTP does not need this package.
/// </summary>
public static class MyNoSqlOrleans
{
    /// <summary>Registers the transport for every database opened afterwards (call once at startup).</summary>
    /// <param name="clusterId">The mirrors' Orleans cluster id (default <c>mynosql</c>).</param>
    /// <param name="serviceId">The mirrors' Orleans service id (default <c>mynosql</c>).</param>
    public static void Enable(string clusterId = "mynosql", string serviceId = "mynosql")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        SyncTransports.Register("orleans", () => new OrleansSyncTransport(clusterId, serviceId));
    }
}
