using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// A record revision, <c>"&lt;generation&gt;-&lt;32 hex&gt;"</c>. The hash is derived from the parent revision
/// and the content, so replicas making the same edit agree and different edits never share a revision.
/// Ordering is the deterministic conflict order: higher generation wins, then the higher hash.
/// </summary>
public readonly record struct Revision : IComparable<Revision>
{
    /// <summary>Number of bytes in the hash part.</summary>
    public const int HashSize = 16;

    /// <summary>Bytes in the binary encoding: 4-byte generation then the 16-byte hash.</summary>
    public const int EncodedSize = 4 + HashSize;

    private readonly ulong _hi;
    private readonly ulong _lo;

    /// <summary>Creates a revision from its parts.</summary>
    public Revision(int generation, ulong hashHigh, ulong hashLow)
    {
        Generation = generation;
        _hi = hashHigh;
        _lo = hashLow;
    }

    /// <summary>1 on creation, one more per save.</summary>
    public int Generation { get; }

    /// <summary>True for <c>default(Revision)</c>, which means "no revision".</summary>
    public bool IsEmpty => Generation == 0;

    /// <summary>Computes the revision that follows <paramref name="parent"/> for <paramref name="content"/>.</summary>
    /// <param name="parent">The parent revision, or <c>default</c> for a creation.</param>
    /// <param name="deleted">True when the new revision is a tombstone.</param>
    /// <param name="content">The canonical UTF-8 content bytes (without <c>id</c> and <c>rev</c>).</param>
    public static Revision Next(Revision parent, bool deleted, ReadOnlySpan<byte> content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> head = stackalloc byte[EncodedSize + 1];
        parent.WriteTo(head);
        head[EncodedSize] = deleted ? (byte)1 : (byte)0;
        hash.AppendData(head);
        hash.AppendData(content);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new Revision(parent.Generation + 1,
            BinaryPrimitives.ReadUInt64BigEndian(digest), BinaryPrimitives.ReadUInt64BigEndian(digest[8..]));
    }

    /// <summary>Writes the 20-byte binary form.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Generation);
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[12..], _lo);
    }

    /// <summary>Reads the 20-byte binary form.</summary>
    public static Revision ReadFrom(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt32LittleEndian(source),
        BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
        BinaryPrimitives.ReadUInt64BigEndian(source[12..]));

    /// <summary>Parses <c>"N-hhhh…"</c>; false for anything malformed.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Revision revision)
    {
        revision = default;
        if (text is null) return false;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || dash > 10 || text.Length - dash - 1 != HashSize * 2) return false;
        if (!int.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int gen) || gen <= 0)
            return false;
        var hex = text.AsSpan(dash + 1);
        foreach (char c in hex)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        if (!ulong.TryParse(hex[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong hi) ||
            !ulong.TryParse(hex[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong lo))
            return false;
        revision = new Revision(gen, hi, lo);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static Revision Parse(string text) =>
        TryParse(text, out var r) ? r : throw new FormatException($"'{text}' is not a revision of the form '<generation>-<32 lowercase hex>'.");

    /// <inheritdoc/>
    public int CompareTo(Revision other)
    {
        int c = Generation.CompareTo(other.Generation);
        if (c != 0) return c;
        c = _hi.CompareTo(other._hi);
        return c != 0 ? c : _lo.CompareTo(other._lo);
    }

    /// <summary>Deterministic winner order.</summary>
    public static bool operator >(Revision a, Revision b) => a.CompareTo(b) > 0;
    /// <summary>Deterministic winner order.</summary>
    public static bool operator <(Revision a, Revision b) => a.CompareTo(b) < 0;
    /// <summary>Deterministic winner order.</summary>
    public static bool operator >=(Revision a, Revision b) => a.CompareTo(b) >= 0;
    /// <summary>Deterministic winner order.</summary>
    public static bool operator <=(Revision a, Revision b) => a.CompareTo(b) <= 0;

    /// <summary>Longest <see cref="FormatUtf8"/> output: a 10-digit generation, '-' and 32 hex digits.</summary>
    internal const int MaxUtf8Length = 10 + 1 + 2 * HashSize;

    /// <summary>Writes <see cref="ToString"/>'s text as UTF-8 (no string on the read path); returns the bytes written.</summary>
    internal int FormatUtf8(Span<byte> destination)
    {
        if (IsEmpty) return 0;
        if (!((uint)Generation).TryFormat(destination, out int pos, default, CultureInfo.InvariantCulture))
            throw new ArgumentException("Destination too short.", nameof(destination));
        destination[pos++] = (byte)'-';
        WriteHex(destination.Slice(pos, 16), _hi);
        WriteHex(destination.Slice(pos + 16, 16), _lo);
        return pos + 32;
    }

    private static void WriteHex(Span<byte> destination, ulong value)
    {
        for (int i = 15; i >= 0; i--, value >>= 4)
            destination[i] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
    }

    /// <inheritdoc/>
    public override string ToString() => IsEmpty ? "" :
        string.Create(CultureInfo.InvariantCulture, $"{Generation}-{_hi:x16}{_lo:x16}");
}
