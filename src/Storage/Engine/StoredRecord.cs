using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>One record version as the engine stores it. The payload is opaque to the engine.</summary>
internal sealed record StoredRecord(string Key, Revision Revision, RecordFlags Flags, ReadOnlyMemory<byte> Payload)
{
    /// <summary>On reads, the version's <see cref="RecordHeader.Sequence"/> (ignored on writes).</summary>
    public ulong Sequence { get; init; }
}
