using System.Buffers.Binary;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Tests.Documents;

/// <summary>Record payloads as versions before issue 13 wrote them: format 1 (winner's rev inside) and 2 (left out).</summary>
internal static class LegacyRecordPayload
{
    public static byte[] Encode(DocumentRecord record, bool omitWinnerRevision)
    {
        int size = 1 + 2 - (omitWinnerRevision ? Revision.EncodedSize : 0);
        foreach (var l in record.Leaves) size += Revision.EncodedSize + 1 + 2 + l.Ancestry.Length * Revision.EncodedSize + 4 + l.Body.Length;
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = omitWinnerRevision ? (byte)2 : (byte)1;
        BinaryPrimitives.WriteUInt16LittleEndian(span[1..], (ushort)record.Leaves.Count);
        int pos = 3;
        foreach (var l in record.Leaves)
        {
            if (!omitWinnerRevision || !ReferenceEquals(l, record.Leaves[0])) { l.Rev.WriteTo(span[pos..]); pos += Revision.EncodedSize; }
            span[pos++] = l.Deleted ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt16LittleEndian(span[pos..], (ushort)l.Ancestry.Length); pos += 2;
            foreach (var a in l.Ancestry) { a.WriteTo(span[pos..]); pos += Revision.EncodedSize; }
            BinaryPrimitives.WriteInt32LittleEndian(span[pos..], l.Body.Length); pos += 4;
            l.Body.Span.CopyTo(span[pos..]); pos += l.Body.Length;
        }
        return buffer;
    }
}
