namespace MyNoSql.Grains;

/// <summary>A record's history as a mirror keeps it (DESIGN §8), newest first: the current revision, then its ancestors.</summary>
/// <param name="Id">The record id.</param>
/// <param name="Items">The revisions, newest first.</param>
[GenerateSerializer, Immutable, Alias("mynosql.HistoryReply")]
public sealed record HistoryReply([property: Id(0)] string Id, [property: Id(1)] HistoryItemReply[] Items);
