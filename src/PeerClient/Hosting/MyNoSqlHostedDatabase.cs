using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MyNoSql.Hosting;

/// <summary>Ties one database's lifetime to the host: opened in <see cref="StartAsync"/>, closed in <see cref="StopAsync"/>.</summary>
internal sealed partial class MyNoSqlHostedDatabase(IOptions<MyNoSqlServiceOptions> options, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("MyNoSql.Hosting");
    private MyNoSqlDb? _database;

    /// <summary>The open database; before the host started (or after it stopped) an <see cref="InvalidOperationException"/>.</summary>
    public MyNoSqlDb Database => Volatile.Read(ref _database)
        ?? throw new InvalidOperationException($"The MyNoSql database '{options.Value.Name}' opens when the host starts: resolve MyNoSqlDb after IHost.StartAsync.");

    /// <summary>Whether the database is open (for the health check).</summary>
    public bool IsOpen => Volatile.Read(ref _database) is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        o.LoggerFactory ??= loggers;
        var db = await MyNoSqlDb.OpenAsync(o.Name, o, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (string mirror in o.Mirrors) await db.AddPeerAsync(mirror, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        Volatile.Write(ref _database, db);
        LogOpened(_logger, o.Name, Path.Combine(o.DataDirectory, o.Name), db.Mode);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _database, null) is not { } db) return;
        await db.DisposeAsync().ConfigureAwait(false);
        LogClosed(_logger, options.Value.Name);
    }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _database, null)?.DisposeAsync() ?? ValueTask.CompletedTask;

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Database '{Database}' opened at {Directory} ({Mode} mode)")]
    private static partial void LogOpened(ILogger logger, string database, string directory, DbMode mode);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Database '{Database}' closed")]
    private static partial void LogClosed(ILogger logger, string database);
}
