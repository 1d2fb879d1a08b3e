using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql.Hosting;

namespace MyNoSql.PeerClient.Tests.Hosting;

/// <summary><c>services.AddMyNoSql</c> (DESIGN §11) in a real generic host: binding, validation, lifetime, health, logs.</summary>
public sealed class AddMyNoSqlTests
{
    [Fact]
    public async Task Configuration_binds_the_callback_wins_and_the_database_lives_with_the_host()
    {
        using var dir = new TempDir();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MyNoSql:Name"] = "from-config",
            ["MyNoSql:DataDirectory"] = dir.Path,
            ["MyNoSql:SyncInterval"] = "-00:00:00.001", // Timeout.InfiniteTimeSpan: no background rounds
            ["MyNoSql:HistoryDepth"] = "3",
        });
        builder.Services.AddMyNoSql(o => o.Name = "sensors");
        using var host = builder.Build();
        Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<MyNoSqlDb>());
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Entries["mynosql"].Status);

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<MyNoSqlServiceOptions>>().Value;
        Assert.Equal(3, options.HistoryDepth);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.SyncInterval);
        var db = host.Services.GetRequiredService<MyNoSqlDb>();
        var saved = await db.SaveDocAsync(new JsonObject { ["id"] = "t1", ["c"] = 21.5 });
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "sensors")));
        var report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["mynosql"].Status);
        Assert.Equal(1L, report.Entries["mynosql"].Data["pending_writes"]);

        await host.StopAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Entries["mynosql"].Status);
        // Closed with the host: the lock is free and the record is there.
        await using var again = await MyNoSqlDb.OpenAsync("sensors", dir.Options());
        Assert.Equal((string)saved["rev"]!, (string)(await again.ReadDocAsync("t1"))!["rev"]!);
    }

    [Fact]
    public async Task A_bad_name_or_option_stops_the_host_naming_it()
    {
        using var dir = new TempDir();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddMyNoSql(o =>
        {
            o.Name = "Bad Name";
            o.DataDirectory = dir.Path;
            o.SyncRequestTimeout = TimeSpan.Zero;
        });
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(e.Failures, f => f.Contains("MyNoSql:Name", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("SyncRequestTimeout", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "Bad Name")));
    }

    [Fact]
    public async Task Sync_failures_reach_the_hosts_logger_and_the_health_check_degrades()
    {
        using var dir = new TempDir();
        var logs = new ListLoggerProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(logs);
        builder.Services.AddMyNoSql(o =>
        {
            o.Name = "logged";
            o.DataDirectory = dir.Path;
            o.SyncInterval = Timeout.InfiniteTimeSpan;
            o.Mirrors.Add($"http://127.0.0.1:{MyNoSql.Tests.Support.FreePorts.Next()}"); // nothing listens there
        });
        using var host = builder.Build();
        await host.StartAsync();
        var db = host.Services.GetRequiredService<MyNoSqlDb>();
        await db.SaveDocAsync(new JsonObject { ["id"] = "x" });
        await Assert.ThrowsAsync<MyNoSqlException>(() => db.SyncAsync());
        Assert.Contains(logs.Entries, e => e.Category == "MyNoSql.Sync" && e.Id == 4102 && e.Message.Contains("'logged'", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Category == "MyNoSql.Hosting" && e.Id == 4001);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Entries["mynosql"].Status);
        await host.StopAsync();
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, int Id, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((category, eventId.Id, formatter(state, exception)));
        }
    }
}
