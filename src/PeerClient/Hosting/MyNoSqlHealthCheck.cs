using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MyNoSql.Hosting;

/// <summary>
/// The <c>mynosql</c> health check: Unhealthy while the database is not open; Degraded when its last sync round failed
/// (local reads and writes still work: the outbox keeps the writes); Healthy otherwise. The data carries the sync status.
/// </summary>
internal sealed class MyNoSqlHealthCheck(MyNoSqlHostedDatabase hosted) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!hosted.IsOpen) return Task.FromResult(HealthCheckResult.Unhealthy("The MyNoSql database is not open (the host has not started, or has stopped)."));
        SyncStatus status;
        try
        {
            status = hosted.Database.GetSyncStatus();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The MyNoSql database is closing.", e));
        }
        var data = new Dictionary<string, object>
        {
            ["pending_writes"] = status.PendingWrites,
            ["mirrors"] = status.Mirrors.Count,
        };
        if (status.MirrorInUse is not null) data["mirror_in_use"] = status.MirrorInUse;
        if (status.LastSuccess is { } last) data["last_success"] = last;
        return Task.FromResult(status.LastError is null
            ? HealthCheckResult.Healthy("Open.", data)
            : HealthCheckResult.Degraded($"Open; the last sync failed: {status.LastError}", data: data));
    }
}
