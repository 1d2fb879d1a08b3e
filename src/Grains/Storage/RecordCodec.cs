using MyNoSql.Storage.Documents;

namespace MyNoSql.Grains.Storage;

/// <summary>Self-contained record payloads (<see cref="DocumentRecord"/> encoding) from a provider that serializes grain state.</summary>
internal static class RecordCodec
{
    /// <exception cref="CorruptDataException">The payload is malformed.</exception>
    public static DocumentRecord Decode(string storePath, string id, ReadOnlyMemory<byte> payload)
    {
        try
        {
            return DocumentRecord.Decode(id, payload);
        }
        catch (FormatException e)
        {
            throw new CorruptDataException(storePath, 0, $"record '{id}': {e.Message}", e);
        }
    }
}
