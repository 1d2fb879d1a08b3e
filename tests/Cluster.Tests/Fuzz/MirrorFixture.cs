namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>One real mirror process (every default but ports and data directory) for the hostile-input tests.</summary>
public sealed class MirrorFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mynosql-fuzz-");

    public SiloProcess Mirror { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public int Port => Mirror.HttpPort;

    public string Url => Mirror.BaseUrl;

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
    public const string Name = "one mirror process for hostile input";
}
