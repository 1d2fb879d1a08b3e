using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>What the in-memory directory knows about a key without touching disk.</summary>
internal readonly record struct RecordHeader(string Key, Revision Revision, RecordFlags Flags);
