using System.Buffers;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// One index entry: <see cref="Entry"/> = the compound key's <see cref="CollationKey"/> bytes followed by the id as a
/// collation string body, so ordering entries as byte strings orders them by (key, id ordinal) — the key is
/// self-delimiting — and <see cref="Sequence"/> is the record's version stamp when indexed: the entry is current
/// only while the record's directory header still has it.
/// </summary>
internal sealed class IndexItem
{
    public IndexItem(byte[] entry, int keyLength, ulong sequence, string? id = null)
    {
        Entry = entry;
        KeyLength = keyLength;
        Sequence = sequence;
        _id = id;
    }

    private string? _id;

    /// <summary>Key bytes then the id's string body.</summary>
    public byte[] Entry { get; }

    public int KeyLength { get; }

    public ulong Sequence { get; }

    public ReadOnlyMemory<byte> Key => Entry.AsMemory(0, KeyLength);

    /// <summary>The document id (decoded from <see cref="Entry"/> once, on first use).</summary>
    public string Id => _id ??= DecodeStringBody(Entry.AsSpan(KeyLength));

    /// <summary>(entry bytes, then sequence): the order of memtables and run files.</summary>
    public static readonly IComparer<IndexItem> Order = Comparer<IndexItem>.Create(static (a, b) =>
    {
        int c = a.Entry.AsSpan().SequenceCompareTo(b.Entry);
        return c != 0 ? c : a.Sequence.CompareTo(b.Sequence);
    });

    /// <summary>The entry bytes of (<paramref name="key"/>, <paramref name="id"/>).</summary>
    public static byte[] Compose(ReadOnlySpan<byte> key, string id)
    {
        var buffer = new ArrayBufferWriter<byte>(key.Length + id.Length + 8);
        buffer.Write(key);
        CollationKey.AppendStringBody(buffer, id);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Inverse of <see cref="CollationKey.AppendStringBody"/> (the trailing 0x00 ends it).</summary>
    public static string DecodeStringBody(ReadOnlySpan<byte> body)
    {
        var chars = body.Length <= 256 ? stackalloc char[body.Length] : new char[body.Length];
        int n = 0;
        for (int i = 0; i < body.Length && body[i] != 0;)
        {
            byte b = body[i];
            if (b < 0x80) { chars[n++] = (char)(b - 1); i++; }
            else if (b < 0xC0) { chars[n++] = (char)(0x7F + (((b - 0x80) << 8) | body[i + 1])); i += 2; }
            else { chars[n++] = (char)(0x7F + 0x3F00 + ((body[i + 1] << 8) | body[i + 2])); i += 3; }
        }
        return new string(chars[..n]);
    }
}
