using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Query;

/// <summary>
/// Three real mirror processes for the query tests (their own: one test stops and restarts a mirror), write quorum 2
/// of 3 so a gateway is often not part of a write's quorum.
/// </summary>
public sealed class QueryClusterFixture : ThreeMirrorFixture;

[CollectionDefinition(Name)]
public sealed class QueryClusterCollection : ICollectionFixture<QueryClusterFixture>
{
    public const string Name = "three mirror processes for queries";
}
