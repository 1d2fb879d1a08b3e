using MyNoSql.Sync;

namespace MyNoSql;

/// <summary>
/// The <c>orleans://host:gatewayPort</c> sync transport: a peer engine inside a trusted server syncs through grain
/// calls on a mirror's Orleans gateway instead of HTTP. An app that syncs over HTTP does not need this package.
/// </summary>
public static class MyNoSqlOrleansExtensions
{
    /// <summary>Adds the <c>orleans</c> transport to <paramref name="options"/>: databases opened with them accept
    /// and sync with <c>orleans://host:gatewayPort</c> mirrors.</summary>
    /// <param name="options">The options to open databases with.</param>
    /// <param name="clusterId">The mirrors' Orleans cluster id (default <c>mynosql</c>).</param>
    /// <param name="serviceId">The mirrors' Orleans service id (default <c>mynosql</c>).</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static MyNoSqlOptions UseOrleans(this MyNoSqlOptions options, string clusterId = "mynosql", string serviceId = "mynosql")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        options.Transports["orleans"] = () => new OrleansSyncTransport(clusterId, serviceId);
        return options;
    }
}
