namespace MyNoSql.Sync.Tests.Support;

/// <summary>One real mirror process shared by a test collection (each test uses its own database name).</summary>
public sealed class MirrorFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mynosql-sync-mirror-");

    public SiloProcess Mirror { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string Url => Mirror.BaseUrl;

    /// <summary>The mirror's Orleans gateway port (for orleans:// peers).</summary>
    public int GatewayPort => Mirror.GatewayPort;

    public async Task InitializeAsync() => Mirror = await SiloProcess.StartHealthyAsync(_data.Path, Http);

    public async Task DisposeAsync()
    {
        await Mirror.DisposeAsync();
        Http.Dispose();
        _data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MirrorCollection : ICollectionFixture<MirrorFixture>
{
    public const string Name = "one mirror";
}
