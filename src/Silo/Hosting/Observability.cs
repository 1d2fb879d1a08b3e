using Orleans.Dashboard;
using OpenTelemetry.Metrics;
using MyNoSql.Storage.Diagnostics;

namespace MyNoSql.Silo.Hosting;

/// <summary>
/// DESIGN §11 on a mirror: Prometheus text at <c>GET /metrics</c> (the "MyNoSql" meter and Orleans' own, through
/// OpenTelemetry) and the Orleans Dashboard under <c>/dashboard</c>. Neither route has a rule in RouteAccess, so with
/// API keys on both need an admin key (deploy/SECURITY.md).
/// </summary>
internal static class Observability
{
    public const string MetricsPath = "/metrics";

    public const string DashboardPath = "/dashboard";

    public static void Configure(WebApplicationBuilder builder) =>
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MyNoSqlMetrics.Name, "Microsoft.Orleans")
            .AddPrometheusExporter());

    /// <summary>The dashboard's silo side (its grains, the per-silo collector and the call profiler, which idles while
    /// nobody looks at the dashboard).</summary>
    public static void Configure(ISiloBuilder silo) => silo.AddDashboard();

    public static void Map(WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapOrleansDashboard(DashboardPath);
    }
}
