using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Postgres;

/// <summary>A real PostgreSQL with our scripts, and three mirror processes using ADO.NET clustering and storage on it.</summary>
public sealed class PostgresClusterFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public ProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.StartAsync();
        Cluster = new ProcessCluster(3, adoNet: true, "--clustering", "adonet", "--storage", "adonet",
            "--connection-string", Server.ConnectionString, "--cluster-id", "pgtest");
        await Cluster.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "postgresql cluster";
}
