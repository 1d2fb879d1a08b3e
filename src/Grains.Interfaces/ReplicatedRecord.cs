namespace MyNoSql.Grains;

/// <summary>One revision of one record in a replication batch (<see cref="IMirrorService.ApplyBatch"/>).</summary>
[GenerateSerializer, Immutable, Alias("mynosql.ReplicatedRecord")]
public sealed record ReplicatedRecord(
    [property: Id(0)] string Database,
    [property: Id(1)] string Id,
    [property: Id(2)] ReplicatedRevision Revision);

/// <summary>A record named by database and id (<see cref="IMirrorService.GetLeavesBatch"/>).</summary>
[GenerateSerializer, Immutable, Alias("mynosql.RecordRef")]
public sealed record RecordRef(
    [property: Id(0)] string Database,
    [property: Id(1)] string Id);
