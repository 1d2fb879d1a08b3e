using System.Text.Json;

namespace MyNoSql.Pouch.Tests.Support;

/// <summary>
/// A server the scenario scripts replicate with: its CouchDB database URL, its native database URL (mirrors only),
/// and a SIGKILL + restart of the process PouchDB talks to.
/// </summary>
public abstract class ScenarioTarget : IAsyncLifetime
{
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The CouchDB-protocol URL of database <paramref name="db"/> (what PouchDB is given).</summary>
    public abstract string CouchUrl(string db);

    /// <summary>The native <c>/db/{db}</c> URL the scripts write and read "the other side" through; null for pouchdb-server.</summary>
    public abstract string? NativeUrl(string db);

    /// <summary>SIGKILLs the process that serves <see cref="CouchUrl"/>.</summary>
    public abstract Task KillAsync();

    /// <summary>Restarts it on the same port and data, and waits until it serves again.</summary>
    public abstract Task RestartAsync();

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>A database name unique to this run: <c>{scenario}-{8 hex}</c>.</summary>
    public static string NewDb(string scenario) => $"{scenario}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Runs <c>js/{scenario}.js</c> against database <paramref name="db"/>; answers the kill scenario's events.</summary>
    public async Task<JsonElement> RunAsync(string scenario, string db, params string[] extra)
    {
        // Generous: the scripts poll (never sleep) and CI machines run at load 20+.
        var args = new List<string> { "--remote", CouchUrl(db), "--timeout-ms", "150000" };
        if (NativeUrl(db) is { } native) args.AddRange(["--native", native]);
        args.AddRange(extra);
        return await NodeScripts.RunAsync($"{scenario}.js", args, TimeSpan.FromMinutes(4), OnEventAsync);
    }

    /// <summary>The kill scenario's protocol: on "held" (a batch stored, later requests held), SIGKILL, release, restart.</summary>
    private async Task OnEventAsync(JsonElement json, StreamWriter stdin)
    {
        if (!json.TryGetProperty("event", out var e) || e.GetString() != "held") return;
        await KillAsync();
        await stdin.WriteLineAsync("go");
        await stdin.FlushAsync();
        await RestartAsync();
    }
}
