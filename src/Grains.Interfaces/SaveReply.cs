namespace MyNoSql.Grains;

/// <summary>Result of a save (savedoc) on a record grain.</summary>
/// <param name="Status"><see cref="RecordStatus.Ok"/>, <see cref="RecordStatus.Conflict"/>, <see cref="RecordStatus.Invalid"/>
/// (or <see cref="RecordStatus.QuorumUnavailable"/>).</param>
/// <param name="Document">The saved record (the current one when the content was unchanged); null on conflict.</param>
/// <param name="CurrentRev">On conflict, the record's current revision.</param>
/// <param name="Reason">For <see cref="RecordStatus.Invalid"/>, what is wrong with the body; otherwise null.</param>
[GenerateSerializer, Immutable, Alias("mynosql.SaveReply")]
public sealed record SaveReply(
    [property: Id(0)] RecordStatus Status,
    [property: Id(1)] DocumentReply? Document,
    [property: Id(2)] string? CurrentRev,
    [property: Id(3)] string? Reason = null);
