using System.Buffers;
using System.IO.Compression;
using System.Text;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// The sync protocol's record batch (push and fetch bodies). Version 2 (written): Brotli over
/// [u8 2][varint count]{[varint id bytes][id UTF-8][varint leaves]{[rev: 20 bytes][u8 flags: 1 deleted, 2 relative,
/// 4 delta, 8 field stamps][varint stamp][u8 kind][with flag 8: varint length, field stamps][varint ancestors][ancestors: 20 bytes each][varint body bytes][body]}}.
/// A relative leaf carries only the ancestors newer than a base the receiver holds (the base last; none when the leaf is
/// the base) and, with the delta flag, its body as a <see cref="BodyDelta"/> against the base's body
/// (<see cref="DeltaLeaves"/>). History never travels. Version 1 (<c>{id, DocumentRecord payload}</c>, whole leaves
/// without stamps) is still read.
/// </summary>
internal static class RecordBatch
{
    private const byte Version1 = 1;
    private const byte Version = 2;
    // FlagFieldStamps is set only on leaves saved under a Latest policy (RevisionLeaf.FieldStamps): other batches are
    // byte for byte what readers without it expect.
    private const byte FlagDeleted = 1, FlagRelative = 2, FlagDelta = 4, FlagFieldStamps = 8;
    private const int MinLeafBytes = Revision.EncodedSize + 5;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Largest batch accepted when decoding (uncompressed), to bound memory on hostile input.</summary>
    public const int MaxDecodedBytes = 256 << 20;

    /// <summary>Encodes records whole (every leaf with its full ancestry and body; never their history).</summary>
    public static byte[] Encode(IReadOnlyList<DocumentRecord> records) => Encode([.. records.Select(BatchRecord.Whole)]);

    /// <summary>Encodes records whose leaves may be relative to a base the receiver holds.</summary>
    public static byte[] Encode(IReadOnlyList<BatchRecord> records)
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
            VarInt.Write(raw, (ulong)record.Leaves.Length);
            foreach (var leaf in record.Leaves)
            {
                leaf.Rev.WriteTo(raw.GetSpan(Revision.EncodedSize));
                raw.Advance(Revision.EncodedSize);
                var span = raw.GetSpan(1);
                span[0] = (byte)((leaf.Deleted ? FlagDeleted : 0) | (leaf.Relative ? FlagRelative : 0) | (leaf.IsDelta ? FlagDelta : 0)
                    | (leaf.FieldStamps.IsEmpty ? 0 : FlagFieldStamps));
                raw.Advance(1);
                VarInt.Write(raw, (ulong)Math.Max(0, leaf.Stamp));
                raw.GetSpan(1)[0] = (byte)leaf.Kind;
                raw.Advance(1);
                if (!leaf.FieldStamps.IsEmpty)
                {
                    VarInt.Write(raw, (ulong)leaf.FieldStamps.Length);
                    raw.Write(leaf.FieldStamps.Span);
                }
                VarInt.Write(raw, (ulong)leaf.Ancestry.Length);
                foreach (var a in leaf.Ancestry)
                {
                    a.WriteTo(raw.GetSpan(Revision.EncodedSize));
                    raw.Advance(Revision.EncodedSize);
                }
                VarInt.Write(raw, (ulong)leaf.Body.Length);
                raw.Write(leaf.Body.Span);
            }
        }
        using var output = new MemoryStream(raw.WrittenCount / 3 + 64);
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true))
            brotli.Write(raw.WrittenSpan);
        return output.ToArray();
    }

    /// <summary>Decodes a batch of whole records (a relative leaf is a format error here: it needs the receiver's record).</summary>
    /// <exception cref="FormatException">The batch is malformed, truncated or too large, or holds relative leaves.</exception>
    public static IReadOnlyList<DocumentRecord> Decode(ReadOnlySpan<byte> compressed) => Decode(compressed, MaxDecodedBytes);

    /// <summary>As <see cref="Decode(ReadOnlySpan{byte})"/>, at most <paramref name="maxDecodedBytes"/> once decompressed.</summary>
    /// <exception cref="RecordBatchTooLargeException">The batch decodes to more than <paramref name="maxDecodedBytes"/>.</exception>
    /// <exception cref="FormatException">The batch is malformed or truncated, or holds relative leaves.</exception>
    public static IReadOnlyList<DocumentRecord> Decode(ReadOnlySpan<byte> compressed, int maxDecodedBytes) =>
        [.. DecodeBatch(compressed, maxDecodedBytes).Select(r => DocumentRecord.Create(r.Id,
            r.Leaves.Select(l => l.AsWholeLeaf() ?? throw new FormatException($"Record '{r.Id}': a relative leaf needs the receiver's record."))))];

    /// <summary>Decodes a batch (version 2 or 1) into its records as sent, bounded by <paramref name="maxDecodedBytes"/> once decompressed.</summary>
    /// <exception cref="RecordBatchTooLargeException">The batch decodes to more than <paramref name="maxDecodedBytes"/>.</exception>
    /// <exception cref="FormatException">The batch is malformed or truncated.</exception>
    public static IReadOnlyList<BatchRecord> DecodeBatch(ReadOnlySpan<byte> compressed, int maxDecodedBytes = MaxDecodedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDecodedBytes);
        // Two passes: measure, then decode into an array of exactly that size. A growing buffer would hold up to three
        // copies (input, doubling stream, final array): a hostile batch now costs at most maxDecodedBytes, once.
        var raw = new byte[Inflate(compressed, [], maxDecodedBytes)];
        Inflate(compressed, raw, maxDecodedBytes);
        var span = raw.AsSpan();
        if (span.Length < 1 || (span[0] != Version && span[0] != Version1)) throw new FormatException("Unknown record batch version.");
        bool v1 = span[0] == Version1;
        int pos = 1;
        ulong count = Read(span, ref pos);
        var records = new List<BatchRecord>((int)Math.Min(count, 65536));
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
            if (v1)
            {
                ulong payloadLength = Read(span, ref pos);
                if (payloadLength > (ulong)(span.Length - pos)) throw new FormatException($"Record batch truncated in record '{id}'.");
                records.Add(BatchRecord.Whole(DocumentRecord.Decode(id, raw.AsMemory(pos, (int)payloadLength))));
                pos += (int)payloadLength;
                continue;
            }
            records.Add(new BatchRecord(id, ReadLeaves(raw, ref pos, id)));
        }
        if (pos != span.Length) throw new FormatException("Record batch has trailing bytes.");
        return records;
    }

    private static BatchLeaf[] ReadLeaves(byte[] raw, ref int pos, string id)
    {
        var span = raw.AsSpan();
        ulong count = Read(span, ref pos);
        // Every leaf takes at least MinLeafBytes: bound allocations by the input.
        if (count == 0 || count > (ulong)((span.Length - pos) / MinLeafBytes)) throw new FormatException($"Record '{id}': {count} leaves cannot fit in the batch.");
        var leaves = new BatchLeaf[count];
        for (int i = 0; i < leaves.Length; i++)
        {
            if (span.Length - pos < Revision.EncodedSize + 1) throw new FormatException($"Record '{id}': truncated leaf.");
            var rev = Revision.ReadFrom(span[pos..]);
            pos += Revision.EncodedSize;
            if (rev.Generation <= 0) throw new FormatException($"Record '{id}': a leaf without a revision.");
            byte flags = span[pos++];
            if ((flags & ~(FlagDeleted | FlagRelative | FlagDelta | FlagFieldStamps)) != 0 || (flags & (FlagRelative | FlagDelta)) == FlagDelta)
                throw new FormatException($"Record '{id}': unknown leaf flags {flags}.");
            ulong stamp = Read(span, ref pos);
            if (stamp > long.MaxValue) throw new FormatException($"Record '{id}': stamp out of range.");
            if (pos >= span.Length) throw new FormatException($"Record '{id}': truncated leaf.");
            byte kind = span[pos++];
            if (!Enum.IsDefined((EditKind)kind)) throw new FormatException($"Record '{id}': unknown edit kind {kind}.");
            ReadOnlyMemory<byte> fieldStamps = default;
            if ((flags & FlagFieldStamps) != 0)
            {
                ulong length = Read(span, ref pos);
                if (length == 0 || length > (ulong)(span.Length - pos)) throw new FormatException($"Record '{id}': field stamps length out of range.");
                fieldStamps = raw.AsMemory(pos, (int)length);
                pos += (int)length;
                if (!FieldStamps.IsValid(fieldStamps)) throw new FormatException($"Record '{id}': malformed field stamps.");
            }
            ulong ac = Read(span, ref pos);
            if (ac > RevisionLeaf.PendingAncestryLimit || ac > (ulong)((span.Length - pos) / Revision.EncodedSize))
                throw new FormatException($"Record '{id}': ancestry of {ac} revisions is too long.");
            var ancestry = new Revision[ac];
            for (int a = 0; a < ancestry.Length; a++)
            {
                ancestry[a] = Revision.ReadFrom(span[pos..]);
                pos += Revision.EncodedSize;
            }
            ulong bodyLength = Read(span, ref pos);
            if (bodyLength > (ulong)(span.Length - pos)) throw new FormatException($"Record '{id}': body length out of range.");
            var body = raw.AsMemory(pos, (int)bodyLength);
            pos += (int)bodyLength;
            leaves[i] = new BatchLeaf(rev, (flags & FlagDeleted) != 0, (long)stamp, (EditKind)kind, ancestry, body,
                Relative: (flags & FlagRelative) != 0, IsDelta: (flags & FlagDelta) != 0) { FieldStamps = fieldStamps };
        }
        return leaves;
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
