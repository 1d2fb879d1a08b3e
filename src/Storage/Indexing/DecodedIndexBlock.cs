namespace MyNoSql.Storage.Indexing;

/// <summary>One decoded block of an <see cref="IndexRun"/> (immutable: scans on any thread share its items).</summary>
internal sealed record DecodedIndexBlock(int Block, IndexItem[] Items);
