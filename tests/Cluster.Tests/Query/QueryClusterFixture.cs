using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// Three real mirror processes for the query tests (their own: one test stops and restarts a mirror), write quorum 2
/// of 3 so a gateway is often not part of a write's quorum.
/// </summary>
public sealed class QueryClusterFixture : IAsyncLifetime
{
    public ProcessCluster Cluster { get; } = new(3, adoNet: false, "--anti-entropy-seconds", "1");

    public HttpClient Http => Cluster.Http;

    public string Url(int mirror) => Cluster.Mirrors[mirror].BaseUrl;

    public Task InitializeAsync() => Cluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class QueryClusterCollection : ICollectionFixture<QueryClusterFixture>
{
    public const string Name = "three mirror processes for queries";
}
