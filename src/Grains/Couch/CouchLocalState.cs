namespace MyNoSql.Grains.Couch;

/// <summary>The persisted state of a <see cref="CouchLocalGrain"/>: a version that only grows (the <c>N</c> of
/// <c>"0-N"</c>, kept across deletes so an old revision never becomes current again), the content (null: deleted) and the
/// hybrid-clock stamp of its last write (a drop of the database after it deletes the document).</summary>
[GenerateSerializer, Alias("mynosql.CouchLocalState")]
internal sealed class CouchLocalState
{
    [Id(0)] public long Version { get; set; }

    [Id(1)] public byte[]? Body { get; set; }

    [Id(2)] public long Stamp { get; set; }
}
