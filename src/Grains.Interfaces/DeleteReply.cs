namespace MyNoSql.Grains;

/// <summary>Result of a delete on a record grain.</summary>
/// <param name="Status"><see cref="RecordStatus.Ok"/>, <see cref="RecordStatus.NotFound"/> or <see cref="RecordStatus.Conflict"/>.</param>
/// <param name="Rev">The tombstone's revision when deleted.</param>
/// <param name="CurrentRev">On conflict, the record's current revision.</param>
[GenerateSerializer, Immutable, Alias("mynosql.DeleteReply")]
public sealed record DeleteReply([property: Id(0)] RecordStatus Status, [property: Id(1)] string? Rev, [property: Id(2)] string? CurrentRev);
