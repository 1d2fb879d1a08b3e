namespace MyNoSql.Cluster.Tests.Support;

/// <summary>
/// Three real mirror processes with every default except ports, data directories and a fast anti-entropy. Each
/// collection that stops and restarts mirrors gets its own (a subclass), so its restarts disturb no other collection.
/// </summary>
public abstract class ThreeMirrorFixture : IAsyncLifetime
{
    protected ThreeMirrorFixture(params string[] extra) => Cluster = new(3, adoNet: false, ["--anti-entropy-seconds", "1", .. extra]);

    public ProcessCluster Cluster { get; }

    public HttpClient Http => Cluster.Http;

    public string Url(int mirror) => Cluster.Mirrors[mirror].BaseUrl;

    public Task InitializeAsync() => Cluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
