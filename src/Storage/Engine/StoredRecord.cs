using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>One record version as the engine stores it. The payload is opaque to the engine.</summary>
internal sealed record StoredRecord(string Key, Revision Revision, RecordFlags Flags, ReadOnlyMemory<byte> Payload);
