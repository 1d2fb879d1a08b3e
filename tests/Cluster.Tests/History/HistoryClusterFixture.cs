using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.History;

/// <summary>Three real mirror processes for the DESIGN §8 routes, keeping 5 past bodies per record (<c>--history-depth 5</c>).</summary>
public sealed class HistoryClusterFixture : ThreeMirrorFixture
{
    /// <summary>The depth the mirrors run with.</summary>
    public const int Depth = 5;

    public HistoryClusterFixture() : base("--history-depth", $"{Depth}")
    {
    }
}

[CollectionDefinition(Name)]
public sealed class HistoryClusterCollection : ICollectionFixture<HistoryClusterFixture>
{
    public const string Name = "three mirrors: history, patches, merge policies";
}
