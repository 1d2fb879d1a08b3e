namespace MyNoSql.Cli.Tests;

/// <summary>One real mirror process (src/Silo) with API keys on; the key file is made by the CLI itself.</summary>
public sealed class MirrorFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("mynosql-cli-mirror-");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private SiloProcess? _mirror;

    public string Url => _mirror!.BaseUrl;

    /// <summary>A key with write rights on every database.</summary>
    public string Key { get; private set; } = "";

    public string Root => _dir.Path;

    public async Task InitializeAsync()
    {
        string keys = Path.Combine(_dir.Path, "keys.json");
        var made = (await CliRun.RunAsync("keys", "new", "tests", "--file", keys, "--rights", "write", "--json")).Expect(0);
        Key = made.Json["key"]!.GetValue<string>();
        _mirror = await SiloProcess.StartHealthyAsync(Path.Combine(_dir.Path, "mirror"), _http, "--api-keys-file", keys);
    }

    public async Task DisposeAsync()
    {
        if (_mirror is not null) await _mirror.DisposeAsync();
        _http.Dispose();
        _dir.Dispose();
    }
}
