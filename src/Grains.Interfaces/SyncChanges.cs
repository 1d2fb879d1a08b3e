namespace MyNoSql.Grains;

/// <summary>
/// A page of index changes and the checkpoint after it, with the mirrors' tombstone horizon in seconds: a peer that
/// has not pulled for longer must resync fully (deleted records may have left the index meanwhile).
/// </summary>
[GenerateSerializer, Immutable, Alias("mynosql.SyncChanges")]
public sealed record SyncChanges([property: Id(0)] long[] Checkpoint, [property: Id(1)] IndexEntryInfo[] Entries, [property: Id(2)] bool More, [property: Id(3)] long HorizonSeconds);
