namespace MyNoSql.Storage.Query;

/// <summary>One current entry of a secondary index: a document's compound key and its id.</summary>
internal readonly record struct IndexHit(ReadOnlyMemory<byte> Key, string Id);
