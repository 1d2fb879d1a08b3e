using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// A record's kept history as stored (DESIGN §8, decision 1): entries newest first, each body a <see cref="BodyDelta"/>
/// against its newer neighbour's body (the winner's for the first; tombstones and body-less entries are skipped as
/// neighbours). Two parts: <c>front</c>, entries added since the record was read (whole bodies), and <c>tail</c>, the
/// entries as read from disk, kept encoded: reading a record never applies a delta, and a save encodes one new delta
/// and copies the older ones as they are. Bodies are materialised on first use of <see cref="Entries"/>. Immutable.
/// </summary>
/// <remarks>
/// Section layout: varint entry count, then (when not 0) a CRC-32C of the entries (checked when they are first needed:
/// reads of the winner never pay for it; the engine's frame checksum guards the bytes on disk too), then the entries.
/// Entry layout: flags (bit 0 deleted, 1 acked, 2 body kept, 3 rev by ancestry, bits 4–6 kind); the rev, either as a
/// varint step into the winner's ancestry past the previous entry found there (most entries: the winner's parent,
/// grandparent…) or whole (20 bytes); the stamp as a zigzag varint difference of its milliseconds from the newer
/// neighbour's (the winner's for the first) and a varint counter; then, for a kept live body, varint length + the
/// delta's ops (<see cref="BodyDelta.CreateOps"/>).
/// </remarks>
internal sealed class HistoryChain
{
    private const byte Deleted = 1, Acked = 2, HasBody = 4, RevByAncestry = 8;

    private readonly HistoryEntry[] _front;
    private readonly Tail? _tail;
    private readonly int _tailTake;
    private IReadOnlyList<HistoryEntry>? _entries;

    /// <summary>No history.</summary>
    public static HistoryChain Empty { get; } = new([], null, 0);

    private HistoryChain(HistoryEntry[] front, Tail? tail, int tailTake)
    {
        _front = front;
        _tail = tail;
        _tailTake = tailTake;
    }

    /// <summary>How many entries (with or without body).</summary>
    public int Count => _front.Length + _tailTake;

    /// <summary>A chain of entries given whole (newest first).</summary>
    public static HistoryChain From(IReadOnlyList<HistoryEntry> entries)
    {
        if (entries.Count == 0) return Empty;
        HistoryEntry[] copy = [.. entries];
        return new HistoryChain(copy, null, 0) { _entries = copy };
    }

    /// <summary>The entries, newest first, bodies materialised (deltas applied once, then cached).</summary>
    /// <exception cref="FormatException">A stored delta is damaged.</exception>
    public IReadOnlyList<HistoryEntry> Entries
    {
        get
        {
            if (_entries is { } e) return e;
            var list = new List<HistoryEntry>(Count);
            list.AddRange(_front);
            if (_tail is not null)
            {
                var items = _tail.Items;
                var previous = _tail.BaseBody;
                for (int i = 0; i < _tailTake; i++)
                {
                    var item = items[i];
                    ReadOnlyMemory<byte>? body = null;
                    if ((item.Flags & HasBody) != 0)
                    {
                        if ((item.Flags & Deleted) != 0) body = ReadOnlyMemory<byte>.Empty;
                        else
                        {
                            var bytes = BodyDelta.ApplyOps(previous.Span, item.Delta.Span);
                            body = bytes;
                            previous = bytes;
                        }
                    }
                    list.Add(new HistoryEntry(item.Rev, (item.Flags & Deleted) != 0, item.Stamp, (EditKind)(item.Flags >> 4), body, (item.Flags & Acked) != 0));
                }
            }
            _entries = list;
            return list;
        }
    }

    /// <summary>This chain with <paramref name="newer"/> (newest first, whole bodies) in front, cut to
    /// <paramref name="depth"/> entries (0 keeps none).</summary>
    public HistoryChain Prepend(IReadOnlyList<HistoryEntry> newer, int depth)
    {
        if (depth <= 0) return Empty;
        var front = new HistoryEntry[Math.Min(depth, newer.Count + _front.Length)];
        int n = 0;
        for (int i = 0; i < newer.Count && n < front.Length; i++) front[n++] = newer[i];
        for (int i = 0; i < _front.Length && n < front.Length; i++) front[n++] = _front[i];
        int take = Math.Min(_tailTake, depth - n);
        return new HistoryChain(front, take > 0 ? _tail : null, Math.Max(take, 0));
    }

    /// <summary>Writes the history section (varint count, then the entries) for a record whose winner is <paramref name="winner"/>.</summary>
    public void Encode(ArrayBufferWriter<byte> output, RevisionLeaf winner)
    {
        // A damaged tail (its checksum or structure) is dropped rather than copied on: the record stays writable, and
        // reading its history reported the damage before (CorruptDataException) for as long as it was stored.
        int tailTake = _tailTake;
        TailItem[]? items = null;
        if (tailTake > 0)
        {
            try { items = _tail!.Items; }
            catch (FormatException) { tailTake = 0; }
        }
        int count = _front.Length + tailTake;
        WriteVarInt(output, (ulong)count);
        if (count == 0) return;
        int crcAt = output.WrittenCount;
        output.GetSpan(4);
        output.Advance(4); // CRC-32C of the entries, patched in below
        var state = new EncodeState(winner);
        foreach (var entry in _front) WriteEntry(output, ref state, entry.Rev, Flags(entry), entry.Stamp, entry.Body, null);
        if (tailTake > 0)
        {
            // The tail's deltas hold while the body before it is the one they were made against (always after a save,
            // delete, undo or redo: the replaced winner was the tail's base); otherwise they are rebuilt from whole bodies.
            if (state.PreviousBody.Span.SequenceEqual(_tail!.BaseBody.Span))
            {
                for (int i = 0; i < tailTake; i++)
                    WriteEntry(output, ref state, items![i].Rev, items[i].Flags, items[i].Stamp, null, items[i].Delta);
            }
            else
            {
                var all = Entries;
                for (int i = _front.Length; i < all.Count; i++) WriteEntry(output, ref state, all[i].Rev, Flags(all[i]), all[i].Stamp, all[i].Body, null);
            }
        }
        // WrittenMemory is the writer's own buffer: the checksum is patched in place.
        var written = MemoryMarshal.AsMemory(output.WrittenMemory).Span;
        BinaryPrimitives.WriteUInt32LittleEndian(written[crcAt..], Crc.Compute(written[(crcAt + 4)..]));
    }

    /// <summary>
    /// Reads a history section (<see cref="Encode"/>) of a record whose winner is <paramref name="winner"/>: only its
    /// entry count and checksum now (reading a record's winner never walks its history); the entries are checked
    /// (checksum, then every length and rev reference) when first needed.
    /// </summary>
    /// <exception cref="FormatException">The section's count or checksum is missing or out of range.</exception>
    public static HistoryChain Decode(ReadOnlyMemory<byte> section, RevisionLeaf winner)
    {
        int pos = 0;
        ulong count = BodyDelta.ReadVarInt(section.Span, ref pos);
        if (count == 0)
        {
            if (pos != section.Length) throw new FormatException("bytes after the history.");
            return Empty;
        }
        // Every entry takes at least 3 bytes (flags, stamp).
        if (section.Length - pos < 4 || count > (ulong)(section.Length - pos - 4) / 3)
            throw new FormatException($"history of {count} entries cannot fit in {section.Length} bytes.");
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(section.Span[pos..]);
        return new HistoryChain([], new Tail(section[(pos + 4)..], (int)count, winner, crc), (int)count);
    }

    private static byte Flags(HistoryEntry e) => (byte)((e.Deleted ? Deleted : 0) | (e.Acked ? Acked : 0) | (e.Body is null ? 0 : HasBody) | ((int)e.Kind << 4));

    private static void WriteEntry(ArrayBufferWriter<byte> output, ref EncodeState state, Revision rev, byte flags, long stamp, ReadOnlyMemory<byte>? body, ReadOnlyMemory<byte>? delta)
    {
        flags &= unchecked((byte)~RevByAncestry);
        int at = state.FindInAncestry(rev);
        if (at >= 0) flags |= RevByAncestry;
        var span = output.GetSpan(1);
        span[0] = flags;
        output.Advance(1);
        if (at >= 0) { WriteVarInt(output, (ulong)(at - state.AncestryPosition)); state.AncestryPosition = at; }
        else { rev.WriteTo(output.GetSpan(Revision.EncodedSize)); output.Advance(Revision.EncodedSize); }
        long d = (state.PreviousStamp >> 16) - (stamp >> 16);
        WriteVarInt(output, (ulong)((d << 1) ^ (d >> 63)));
        WriteVarInt(output, (ulong)(stamp & 0xFFFF));
        state.PreviousStamp = stamp;
        if ((flags & (HasBody | Deleted)) != HasBody) return;
        if (delta is null)
        {
            delta = BodyDelta.CreateOps(state.PreviousBody.Span, body!.Value.Span);
            state.PreviousBody = body.Value;
        }
        else state.PreviousBody = default; // tail deltas are copied as they are: bodies are not needed any more
        WriteVarInt(output, (ulong)delta.Value.Length);
        output.Write(delta.Value.Span);
    }

    internal static void WriteVarInt(IBufferWriter<byte> output, ulong v)
    {
        var span = output.GetSpan(10);
        int n = 0;
        while (v >= 0x80) { span[n++] = (byte)(v | 0x80); v >>= 7; }
        span[n++] = (byte)v;
        output.Advance(n);
    }

    private struct EncodeState(RevisionLeaf winner)
    {
        public ReadOnlyMemory<byte> PreviousBody = winner.Deleted ? ReadOnlyMemory<byte>.Empty : winner.Body;
        public long PreviousStamp = winner.Stamp;
        public int AncestryPosition = -1;
        private readonly Revision[] _ancestry = winner.Ancestry;

        public readonly int FindInAncestry(Revision rev)
        {
            int start = AncestryPosition + 1;
            if (start < _ancestry.Length && _ancestry[start] == rev) return start;
            int end = Math.Min(_ancestry.Length, start + 64);
            for (int i = start + 1; i < end; i++) if (_ancestry[i] == rev) return i;
            return -1;
        }
    }

    private readonly record struct TailItem(Revision Rev, byte Flags, long Stamp, ReadOnlyMemory<byte> Delta);

    /// <summary>The history section as read, with what it was encoded against (the winner of then).</summary>
    private sealed class Tail(ReadOnlyMemory<byte> bytes, int count, RevisionLeaf winner, uint crc)
    {
        private TailItem[]? _items;

        public ReadOnlyMemory<byte> BaseBody { get; } = winner.Deleted ? ReadOnlyMemory<byte>.Empty : winner.Body;

        public TailItem[] Items
        {
            get
            {
                if (_items is { } items) return items;
                // The checksum is checked when the entries are first needed, not on every read of the record.
                if (Crc.Compute(bytes.Span) != crc) throw new FormatException("history checksum mismatch.");
                items = new TailItem[count];
                Parse(items);
                return _items = items;
            }
        }

        private void Parse(TailItem[] into)
        {
            var span = bytes.Span;
            var ancestry = winner.Ancestry;
            int pos = 0, ancestryPosition = -1;
            long stamp = winner.Stamp;
            for (int i = 0; i < count; i++)
            {
                if (pos >= span.Length) throw new FormatException("truncated history.");
                byte flags = span[pos++];
                if ((flags >> 4) > (int)EditKind.Resolve) throw new FormatException($"history entry {i}: unknown kind {flags >> 4}.");
                Revision rev;
                if ((flags & RevByAncestry) != 0)
                {
                    ulong step = BodyDelta.ReadVarInt(span, ref pos);
                    if (step == 0 || step > (ulong)(ancestry.Length - 1 - ancestryPosition)) throw new FormatException($"history entry {i}: revision outside the ancestry.");
                    ancestryPosition += (int)step;
                    rev = ancestry[ancestryPosition];
                }
                else
                {
                    if (span.Length - pos < Revision.EncodedSize) throw new FormatException("truncated history.");
                    rev = Revision.ReadFrom(span[pos..]);
                    pos += Revision.EncodedSize;
                }
                ulong z = BodyDelta.ReadVarInt(span, ref pos);
                ulong counter = BodyDelta.ReadVarInt(span, ref pos);
                if (counter > 0xFFFF) throw new FormatException($"history entry {i}: bad stamp.");
                stamp = (((stamp >> 16) - ((long)(z >> 1) ^ -(long)(z & 1))) << 16) | (long)counter;
                ReadOnlyMemory<byte> delta = default;
                if ((flags & (HasBody | Deleted)) == HasBody)
                {
                    ulong length = BodyDelta.ReadVarInt(span, ref pos);
                    if (length > (ulong)(span.Length - pos)) throw new FormatException($"history entry {i}: body delta longer than the payload.");
                    delta = bytes.Slice(pos, (int)length);
                    pos += (int)length;
                }
                into[i] = new TailItem(rev, flags, stamp, delta);
            }
            if (pos != span.Length) throw new FormatException("bytes after the history.");
        }
    }
}
