namespace MyNoSql.Storage.Query;

/// <summary>
/// A built secondary index of one database, as the query engine reads it. Every live (not deleted) document has
/// exactly one current entry: <see cref="CollationKey.ForDocument"/> of its winning body over the index's fields
/// (missing fields included). Implementations drop stale entries (of an older version of a document) before they
/// reach the caller, so a scan yields each live document at most once, with its current key.
/// </summary>
internal interface ISecondaryIndex
{
    IndexDefinition Definition { get; }

    /// <summary>
    /// Current entries inside <paramref name="range"/>, ordered by (key, id ordinal), reversed when
    /// <paramref name="descending"/>. <paramref name="after"/> (a key and an id, in scan direction) resumes a scan
    /// strictly after that entry: bookmark paging. Lazy: stops reading when the caller stops enumerating.
    /// </summary>
    IEnumerable<IndexHit> Scan(KeyRange range, bool descending, IndexHit? after = null);
}
