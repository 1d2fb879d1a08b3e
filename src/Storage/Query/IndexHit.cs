namespace MyNoSql.Storage.Query;

/// <summary>
/// One current entry of a secondary index: a document's compound key and its id, and the record version the key was
/// made from (0 when unknown): a read at that same version sees the very body the key describes.
/// </summary>
internal readonly record struct IndexHit(ReadOnlyMemory<byte> Key, string Id, ulong Version = 0);
