using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Index;

/// <summary>One id's current winning revision in an index segment, and the segment sequence of its last change.</summary>
internal readonly record struct IndexEntry(string Id, Revision Rev, bool Deleted, long Sequence);
