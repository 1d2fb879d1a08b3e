using System.Diagnostics;
using Npgsql;

namespace MyNoSql.Cluster.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL: <c>initdb</c> in a temp directory (as the <c>postgres</c> user when running as root),
/// started on a free loopback port, a database with our <c>deploy/postgresql</c> scripts applied; stopped and
/// deleted on dispose. Needs PostgreSQL installed (<c>.ci/run</c> installs it); never skipped.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly TempDirectory _root = new("mynosql-pg-");
    private readonly string _bin;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, bool asPostgresUser, int port)
    {
        _bin = bin;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    public string Database => "mynosql";

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={Database};Pooling=true;Timeout=15";

    public static async Task<PostgresServer> StartAsync()
    {
        string bin = FindBin() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin). " +
            "Install it (apt-get install -y postgresql) or run bash .ci/run, which does.");
        bool root = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";
        var server = new PostgresServer(bin, root, FreePorts.Next());
        try
        {
            await server.InitAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task InitAsync()
    {
        string data = Path.Combine(_root.Path, "data");
        if (_asPostgresUser) await RunAsync("chown", ["-R", "postgres", _root.Path]);
        await RunPgAsync("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        await RunPgAsync("pg_ctl", ["-D", data, "-l", Path.Combine(_root.Path, "server.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {_root.Path} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200", "start"]);
        await using (var admin = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false"))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        foreach (var script in Directory.GetFiles(RepoPaths.PostgresScripts, "*.sql").Order(StringComparer.Ordinal))
        {
            await using var apply = new NpgsqlCommand(await File.ReadAllTextAsync(script), db);
            await apply.ExecuteNonQueryAsync();
        }
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        string data = Path.Combine(_root.Path, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try { await RunPgAsync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]); }
            catch (InvalidOperationException) { }
        }
        NpgsqlConnection.ClearAllPools();
        _root.Dispose();
    }

    private Task RunPgAsync(string tool, string[] args)
    {
        string exe = Path.Combine(_bin, tool);
        return _asPostgresUser ? RunAsync("runuser", ["-u", "postgres", "--", exe, .. args]) : RunAsync(exe, args);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    private static string? FindBin()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                // Debian links initdb into /usr/local/bin or ships pg_wrapper: use the real bin directory.
                var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true);
                string real = target?.FullName ?? initdb;
                string realDir = Path.GetDirectoryName(real)!;
                if (File.Exists(Path.Combine(realDir, "pg_ctl")) && File.Exists(Path.Combine(realDir, "postgres"))) return realDir;
            }
        }
        const string Lib = "/usr/lib/postgresql";
        if (!Directory.Exists(Lib)) return null;
        return Directory.GetDirectories(Lib)
            .Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out int v) ? v : 0)
            .FirstOrDefault();
    }
}
