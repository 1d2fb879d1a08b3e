namespace MyNoSql.Grains;

/// <summary>Result of a save (savedoc) on a record grain.</summary>
/// <param name="Status"><see cref="RecordStatus.Ok"/> or <see cref="RecordStatus.Conflict"/> (or <see cref="RecordStatus.QuorumUnavailable"/>).</param>
/// <param name="Document">The saved record (the current one when the content was unchanged); null on conflict.</param>
/// <param name="CurrentRev">On conflict, the record's current revision.</param>
[GenerateSerializer, Immutable, Alias("mynosql.SaveReply")]
public sealed record SaveReply([property: Id(0)] RecordStatus Status, [property: Id(1)] DocumentReply? Document, [property: Id(2)] string? CurrentRev);
