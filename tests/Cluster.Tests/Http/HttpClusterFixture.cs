using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Http;

/// <summary>Three real mirror processes for the gateway tests.</summary>
public sealed class HttpClusterFixture : ThreeMirrorFixture;

[CollectionDefinition(Name)]
public sealed class HttpClusterCollection : ICollectionFixture<HttpClusterFixture>
{
    public const string Name = "three mirror processes";
}
