namespace MyNoSql.Grains;

/// <summary>Per-leaf results of a push (in batch order), or the reason the batch was rejected.</summary>
/// <remarks>[Id(1)] was the per-record <c>MergeStatus[]</c> of earlier versions; never reuse it.</remarks>
[GenerateSerializer, Immutable, Alias("mynosql.SyncPushReply")]
public sealed record SyncPushReply([property: Id(0)] string? Error, [property: Id(2)] SyncLeafResult[] Results);
