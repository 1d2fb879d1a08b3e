using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>Three real mirror processes with every default except ports, data directories and a fast anti-entropy.</summary>
public sealed class HttpClusterFixture : IAsyncLifetime
{
    public ProcessCluster Cluster { get; } = new(3, adoNet: false, "--anti-entropy-seconds", "1");

    public HttpClient Http => Cluster.Http;

    public string Url(int mirror) => Cluster.Mirrors[mirror].BaseUrl;

    public Task InitializeAsync() => Cluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class HttpClusterCollection : ICollectionFixture<HttpClusterFixture>
{
    public const string Name = "three mirror processes";
}
