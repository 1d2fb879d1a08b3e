namespace MyNoSql.Cluster.Tests.Query;

/// <summary>A TestCluster of its own for <see cref="IndexCatalogTests"/>, which stops a silo.</summary>
[CollectionDefinition(Name)]
public sealed class CatalogClusterCollection : ICollectionFixture<LaggingClusterFixture>
{
    public const string Name = "three silos for the index catalog";
}
