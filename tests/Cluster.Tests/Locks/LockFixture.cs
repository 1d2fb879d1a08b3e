using MyNoSql.Cluster.Tests.Support;

namespace MyNoSql.Cluster.Tests.Locks;

/// <summary>Three real mirror processes shared by the lock tests that kill no mirror.</summary>
public sealed class LockFixture : ThreeMirrorFixture
{
}

[CollectionDefinition(Name)]
public sealed class LockCollection : ICollectionFixture<LockFixture>
{
    public const string Name = "locks";
}
