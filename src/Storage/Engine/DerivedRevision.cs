using System.Buffers.Binary;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// The winner's revision as its payload determines it, so a segment (version 4) need not store the 16-byte hash
/// (README, "Segments"). Parses only the head of a <see cref="DocumentRecord"/> payload (formats 1–3, see
/// <see cref="DocumentRecord.Encode"/>): when the winner's revision is inside the payload it is read; when it was left
/// out, it is <c>Revision.Next(parent, deleted, body)</c> of the winner leaf, the rule every leaf is made and checked by.
/// Any other payload (grain state, garbage) yields false or a revision that does not match: the writer stores the hash
/// of every record whose derived revision is not exactly the one it was given, so this never has to be right, only
/// deterministic. Never change what this computes for an existing payload: sealed files depend on it.
/// </summary>
internal static class DerivedRevision
{
    private const byte Format1 = 1, Format2 = 2, Format3 = 3;

    /// <summary>The winner's revision from <paramref name="payload"/>; false when the payload does not determine one.</summary>
    public static bool TryCompute(ReadOnlySpan<byte> payload, out Revision revision)
    {
        revision = default;
        if (payload.Length < 4) return false;
        byte format = payload[0];
        int pos;
        bool omitted;
        switch (format)
        {
            case Format1: pos = 1; omitted = false; break;
            case Format2: pos = 1; omitted = true; break;
            case Format3 when payload[1] <= 1: pos = 2; omitted = payload[1] == 1; break;
            default: return false;
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(payload[pos..]) == 0) return false;
        pos += 2;
        if (!omitted)
        {
            if (payload.Length - pos < Revision.EncodedSize) return false;
            revision = Revision.ReadFrom(payload[pos..]);
            return !revision.IsEmpty;
        }
        if (payload.Length - pos < 1) return false;
        byte flags = payload[pos++];
        bool deleted = format == Format3 ? (flags & 1) != 0 : flags != 0;
        if (format == Format3) pos += 8; // edit stamp
        if (payload.Length - pos < 2) return false;
        int ancestors = BinaryPrimitives.ReadUInt16LittleEndian(payload[pos..]);
        pos += 2;
        if (ancestors > (payload.Length - pos) / Revision.EncodedSize) return false;
        var parent = ancestors > 0 ? Revision.ReadFrom(payload[pos..]) : default;
        pos += ancestors * Revision.EncodedSize;
        if (payload.Length - pos < 4) return false;
        int bodyLength = BinaryPrimitives.ReadInt32LittleEndian(payload[pos..]);
        pos += 4;
        if (bodyLength < 0 || bodyLength > payload.Length - pos) return false;
        revision = Revision.Next(parent, deleted, payload.Slice(pos, bodyLength));
        return true;
    }
}
