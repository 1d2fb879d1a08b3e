namespace MyNoSql.Storage.Documents;

/// <summary>
/// Follows a <see cref="ReplicaStore"/>'s writes (secondary indexes, change feeds, a mirror's revision index). Called
/// under the key's write lock after the write is durable, so calls for one key arrive in write order; must not block
/// and should not throw.
/// </summary>
internal interface IReplicaObserver
{
    void OnWritten(in ReplicaWrite write);
}
