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
    public static IReadOnlyList<DocumentRecord> Decode(ReadOnlySpan<byte> compressed) => Decode(compressed, MaxDecodedBytes);

    /// <summary>Decodes a batch whose uncompressed form is at most <paramref name="maxDecodedBytes"/> (a push: the push limit).</summary>
    /// <exception cref="RecordBatchTooLargeException">The batch decodes to more than <paramref name="maxDecodedBytes"/>.</exception>
    /// <exception cref="FormatException">The batch is malformed or truncated.</exception>
    public static IReadOnlyList<DocumentRecord> Decode(ReadOnlySpan<byte> compressed, int maxDecodedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDecodedBytes);
        // Two passes: measure, then decode into an array of exactly that size. A growing buffer would hold up to three
        // copies (input, doubling stream, final array): a hostile batch now costs at most maxDecodedBytes, once.
        var raw = new byte[Inflate(compressed, [], maxDecodedBytes)];
        Inflate(compressed, raw, maxDecodedBytes);
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

    /// <summary>Decompresses into <paramref name="destination"/>, or only counts the bytes when it is empty.</summary>
    private static int Inflate(ReadOnlySpan<byte> compressed, Span<byte> destination, int maxDecodedBytes)
    {
        bool count = destination.IsEmpty;
        byte[]? scratch = count ? ArrayPool<byte>.Shared.Rent(1 << 16) : null;
        using var decoder = new BrotliDecoder();
        try
        {
            long total = 0;
            while (true)
            {
                var target = scratch is not null ? scratch.AsSpan() : destination[(int)total..];
                var status = decoder.Decompress(compressed, target, out int consumed, out int written);
                compressed = compressed[consumed..];
                total += written;
                if (total > maxDecodedBytes) throw new RecordBatchTooLargeException(maxDecodedBytes);
                switch (status)
                {
                    case OperationStatus.Done:
                        return (int)total;
                    case OperationStatus.DestinationTooSmall when count || consumed + written > 0:
                        continue;
                    case OperationStatus.NeedMoreData:
                        throw new FormatException("Record batch is truncated (its Brotli data ends early).");
                    default:
                        throw new FormatException("Record batch is not valid Brotli data.");
                }
            }
        }
        finally
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static ulong Read(ReadOnlySpan<byte> span, ref int pos)
    {
        if (!VarInt.TryRead(span, ref pos, out ulong value)) throw new FormatException("Record batch truncated.");
        return value;
    }
}
