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
        revision = Next(parent, deleted, payload.Slice(pos, bodyLength));
        return true;
    }

    /// <summary><see cref="Revision.Next"/> in one SHA-256 call over a pooled copy (no incremental hash object per
    /// record: at open this runs for every record of a version-4 segment). Same bytes hashed, same result.</summary>
    private static Revision Next(Revision parent, bool deleted, ReadOnlySpan<byte> content)
    {
        int length = Revision.EncodedSize + 1 + content.Length;
        byte[]? rented = length > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> input = rented ?? stackalloc byte[1024];
        input = input[..length];
        parent.WriteTo(input);
        input[Revision.EncodedSize] = deleted ? (byte)1 : (byte)0;
        content.CopyTo(input[(Revision.EncodedSize + 1)..]);
        Span<byte> digest = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(input, digest);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        return new Revision(parent.Generation + 1, BinaryPrimitives.ReadUInt64BigEndian(digest), BinaryPrimitives.ReadUInt64BigEndian(digest[8..]));
    }
}
