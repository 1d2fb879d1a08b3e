using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Grains.Storage;

/// <summary>Stored record payloads (<see cref="DocumentRecord"/> encoding) and the engine flags they imply.</summary>
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

    public static RecordFlags FlagsOf(DocumentRecord record)
    {
        var flags = RecordFlags.None;
        if (record.Winner.Deleted) flags |= RecordFlags.Deleted;
        if (record.HasConflicts) flags |= RecordFlags.HasConflicts;
        if (record.HasOtherLeaves) flags |= RecordFlags.HasOtherLeaves;
        return flags;
    }

    /// <summary>Whether a stored record may keep leaves besides its winner (then its <see cref="DocumentRecord.LeavesTag"/> needs the payload).</summary>
    public static bool MayHaveOtherLeaves(RecordFlags flags) => (flags & (RecordFlags.HasConflicts | RecordFlags.HasOtherLeaves)) != 0;
}
