using System.Buffers;
using System.IO.Compression;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// The sync protocol's record batch (push and fetch bodies): Brotli over
/// [u8 version][varint count]{[varint id bytes][id UTF-8][varint payload bytes][<see cref="DocumentRecord"/> payload]}.
/// Every leaf travels with its ancestry, so the receiver can tell a descendant from a concurrent edit.
/// </summary>
internal static class RecordBatch
{
    private const byte Version = 1;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Largest batch accepted when decoding (uncompressed), to bound memory on hostile input.</summary>
    public const int MaxDecodedBytes = 256 << 20;

    public static byte[] Encode(IReadOnlyList<DocumentRecord> records)
    {
        var raw = new ArrayBufferWriter<byte>(4096);
        raw.GetSpan(1)[0] = Version;
        raw.Advance(1);
        VarInt.Write(raw, (ulong)records.Count);
        foreach (var record in records)
        {
            var id = Encoding.UTF8.GetBytes(record.Id);
            VarInt.Write(raw, (ulong)id.Length);
            raw.Write(id);
            var payload = record.Encode();
            VarInt.Write(raw, (ulong)payload.Length);
            raw.Write(payload);
        }
        using var output = new MemoryStream(raw.WrittenCount / 3 + 64);
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true))
            brotli.Write(raw.WrittenSpan);
        return output.ToArray();
    }

    /// <exception cref="FormatException">The batch is malformed, truncated or too large.</exception>
    public static IReadOnlyList<DocumentRecord> Decode(ReadOnlySpan<byte> compressed)
    {
        byte[] raw;
        try
        {
            using var input = new MemoryStream(compressed.ToArray());
            using var brotli = new BrotliStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = brotli.Read(buffer)) > 0)
            {
                if (output.Length + n > MaxDecodedBytes) throw new FormatException($"Record batch exceeds {MaxDecodedBytes} bytes.");
                output.Write(buffer, 0, n);
            }
            raw = output.ToArray();
        }
        // BrotliStream reports damaged input as InvalidOperationException ("Decoder ran into invalid data").
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            throw new FormatException("Record batch is not valid Brotli data.", e);
        }
        var span = raw.AsSpan();
        if (span.Length < 1 || span[0] != Version) throw new FormatException("Unknown record batch version.");
        int pos = 1;
        ulong count = Read(span, ref pos);
        var records = new List<DocumentRecord>((int)Math.Min(count, 65536));
        for (ulong i = 0; i < count; i++)
        {
            ulong idLength = Read(span, ref pos);
            if (idLength > (ulong)(span.Length - pos)) throw new FormatException("Record batch truncated in an id.");
            string id;
            try { id = StrictUtf8.GetString(span.Slice(pos, (int)idLength)); }
            catch (DecoderFallbackException e) { throw new FormatException("Record batch holds an id that is not valid UTF-8.", e); }
            pos += (int)idLength;
            try { DocumentId.Validate(id); }
            catch (ArgumentException e) { throw new FormatException($"Record batch holds an invalid id: {e.Message}", e); }
            ulong payloadLength = Read(span, ref pos);
            if (payloadLength > (ulong)(span.Length - pos)) throw new FormatException($"Record batch truncated in record '{id}'.");
            records.Add(DocumentRecord.Decode(id, raw.AsMemory(pos, (int)payloadLength)));
            pos += (int)payloadLength;
        }
        return records;
    }

    private static ulong Read(ReadOnlySpan<byte> span, ref int pos)
    {
        if (!VarInt.TryRead(span, ref pos, out ulong value)) throw new FormatException("Record batch truncated.");
        return value;
    }
}
