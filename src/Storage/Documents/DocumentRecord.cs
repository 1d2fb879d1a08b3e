using System.Buffers;
using System.Buffers.Binary;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// A record as every replica stores it: all leaf revisions, winner first. The winner is the highest live
/// leaf by (generation, hash); only when every leaf is a tombstone does the highest tombstone win, so a
/// resolved (deleted) conflict branch never hides a live record (<see cref="DocumentRules.CompareWinners"/>). Immutable.
/// </summary>
internal sealed class DocumentRecord
{
    private const byte FormatVersion = 1;
    // Version 2 leaves the winner's revision out: the engine keeps it in its index already, and 16 random hash
    // bytes per record are the largest incompressible part of a small document (the disk goal is 0.2× raw JSON).
    private const byte FormatWithoutWinnerRevision = 2;
    // Version 3 (DESIGN §8): an options byte (bit 0: the winner's revision left out), leaves with their stamp and kind,
    // then the history section (HistoryChain). Versions 1 and 2 still read (stamp 0, kind Save, no history).
    private const byte FormatWithHistory = 3;
    private const byte OmitsWinnerRevision = 1;
    // Leaf flags (format 3): bit 0 deleted, bits 1–6 kind, bit 7 field stamps follow the stamp (int32 length + bytes;
    // only leaves saved under a Latest policy have them, so other records are encoded as before).
    private const byte HasFieldStamps = 0x80;

    private readonly HistoryChain _history;

    private DocumentRecord(string id, RevisionLeaf[] leaves, HistoryChain history)
    {
        Id = id;
        Leaves = leaves;
        _history = history;
    }

    public string Id { get; }

    /// <summary>
    /// Past revisions this replica kept, newest first (DESIGN §8): revisions a save, delete or accepted descendant
    /// replaced here, bodies for at most the configured depth. Local to the replica: replication carries leaves only.
    /// </summary>
    /// <exception cref="FormatException">A stored body delta is damaged (history is decoded on first use).</exception>
    public IReadOnlyList<HistoryEntry> History
    {
        get
        {
            try
            {
                return _history.Entries;
            }
            catch (FormatException e)
            {
                throw new FormatException($"Record '{Id}': history: {e.Message}", e);
            }
        }
    }

    /// <summary>The history as stored (kept encoded until its bodies are needed).</summary>
    internal HistoryChain HistoryChain => _history;

    /// <summary>This record with another history (leaves unchanged).</summary>
    public DocumentRecord WithHistory(IReadOnlyList<HistoryEntry> history) => new(Id, (RevisionLeaf[])Leaves, HistoryChain.From(history));

    /// <summary>This record with another history chain (leaves unchanged).</summary>
    internal DocumentRecord WithHistory(HistoryChain history) => new(Id, (RevisionLeaf[])Leaves, history);

    /// <summary>Winner first, then the other leaves in winner order (<see cref="DocumentRules.WinnerFirst"/>).</summary>
    public IReadOnlyList<RevisionLeaf> Leaves { get; }

    public RevisionLeaf Winner => Leaves[0];

    /// <summary>Live leaves that lost: the conflicts the application may resolve.</summary>
    public IEnumerable<RevisionLeaf> Conflicts => Leaves.Skip(1).Where(l => !l.Deleted);

    public bool HasConflicts => Conflicts.Any();

    /// <summary>True when the record keeps leaves besides the winner (live conflicts or resolved, deleted branches).</summary>
    public bool HasOtherLeaves => Leaves.Count > 1;

    /// <summary>
    /// A short fingerprint (16 hex chars) of every leaf besides the winner — its revision and whether it is a tombstone —
    /// or null when the winner is the only leaf. Equal on two replicas exactly when they keep the same other leaves, so
    /// an index entry tells a peer or another mirror that a branch (or its resolution) is missing even when the winner
    /// is the same.
    /// </summary>
    public string? LeavesTag
    {
        get
        {
            if (!HasOtherLeaves) return null;
            var text = string.Join(',', Leaves.Skip(1).Select(l => (l.Deleted ? "d" : "") + l.Rev.ToString()).Order(StringComparer.Ordinal));
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(text)), 0, 8);
        }
    }

    public static DocumentRecord Create(string id, IEnumerable<RevisionLeaf> leaves, IReadOnlyList<HistoryEntry>? history = null)
    {
        var sorted = leaves.Order(DocumentRules.WinnerFirst).ToArray();
        if (sorted.Length == 0) throw new ArgumentException("A record needs at least one leaf.", nameof(leaves));
        return new DocumentRecord(id, sorted, history is null ? HistoryChain.Empty : HistoryChain.From(history));
    }

    /// <summary>A record of <paramref name="leaves"/> (any order) with a history chain.</summary>
    internal static DocumentRecord Create(string id, IEnumerable<RevisionLeaf> leaves, HistoryChain history)
    {
        var sorted = leaves.Order(DocumentRules.WinnerFirst).ToArray();
        if (sorted.Length == 0) throw new ArgumentException("A record needs at least one leaf.", nameof(leaves));
        return new DocumentRecord(id, sorted, history);
    }

    /// <summary>
    /// Binary payload (format 3): version, options, leaf count, then per leaf rev, flags (deleted, kind, field stamps),
    /// stamp, field stamps when flagged, ancestry, body; then the history section (<see cref="Documents.HistoryChain"/>). With
    /// <paramref name="omitWinnerRevision"/> the winner's rev is left out; <see cref="Decode"/> then needs it back.
    /// </summary>
    public byte[] Encode(bool omitWinnerRevision = false)
    {
        ReadOnlySpan<byte> history = [0]; // no entries
        if (_history.Count > 0)
        {
            var writer = new ArrayBufferWriter<byte>(256);
            _history.Encode(writer, Winner);
            history = writer.WrittenSpan;
        }
        int size = 1 + 1 + 2 - (omitWinnerRevision ? Revision.EncodedSize : 0) + history.Length;
        foreach (var l in Leaves) size += Revision.EncodedSize + 1 + 8 + 2 + l.Ancestry.Length * Revision.EncodedSize + 4 + l.Body.Length
            + (l.FieldStamps.IsEmpty ? 0 : 4 + l.FieldStamps.Length);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = FormatWithHistory;
        span[1] = omitWinnerRevision ? OmitsWinnerRevision : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)Leaves.Count);
        int pos = 4;
        foreach (var l in Leaves)
        {
            if (!omitWinnerRevision || !ReferenceEquals(l, Leaves[0])) { l.Rev.WriteTo(span[pos..]); pos += Revision.EncodedSize; }
            span[pos++] = (byte)((l.Deleted ? 1 : 0) | ((int)l.Kind << 1) | (l.FieldStamps.IsEmpty ? 0 : HasFieldStamps));
            BinaryPrimitives.WriteInt64LittleEndian(span[pos..], l.Stamp); pos += 8;
            if (!l.FieldStamps.IsEmpty)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[pos..], l.FieldStamps.Length); pos += 4;
                l.FieldStamps.Span.CopyTo(span[pos..]); pos += l.FieldStamps.Length;
            }
            BinaryPrimitives.WriteUInt16LittleEndian(span[pos..], (ushort)l.Ancestry.Length); pos += 2;
            foreach (var a in l.Ancestry) { a.WriteTo(span[pos..]); pos += Revision.EncodedSize; }
            BinaryPrimitives.WriteInt32LittleEndian(span[pos..], l.Body.Length); pos += 4;
            l.Body.Span.CopyTo(span[pos..]); pos += l.Body.Length;
        }
        history.CopyTo(span[pos..]);
        return buffer;
    }

    /// <summary>Decodes a payload made by <see cref="Encode"/> (or formats 1 and 2); bodies are slices of
    /// <paramref name="payload"/>. Of the history only its entry count and checksum field are read here: its entries are checked and its bodies materialised on first use (<see cref="History"/>), so reading the winner never pays for them.</summary>
    /// <param name="id">The record id.</param>
    /// <param name="payload">The encoded record.</param>
    /// <param name="winnerRevision">The winner's revision, required when it was left out of the payload.</param>
    /// <exception cref="FormatException">The payload is malformed.</exception>
    public static DocumentRecord Decode(string id, ReadOnlyMemory<byte> payload, Revision winnerRevision = default)
    {
        try
        {
            var span = payload.Span;
            if (span.Length < 3 || span[0] is not (FormatVersion or FormatWithoutWinnerRevision or FormatWithHistory))
                throw new FormatException($"Record '{id}': unknown payload format {(span.Length > 0 ? span[0] : -1)}.");
            bool v3 = span[0] == FormatWithHistory;
            if (v3 && (span.Length < 4 || span[1] > OmitsWinnerRevision)) throw new FormatException($"Record '{id}': bad payload options.");
            bool winnerOmitted = v3 ? span[1] == OmitsWinnerRevision : span[0] == FormatWithoutWinnerRevision;
            if (winnerOmitted && winnerRevision.IsEmpty)
                throw new FormatException($"Record '{id}': the payload leaves out the winner's revision and none was given.");
            int pos = v3 ? 2 : 1;
            int count = BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]);
            pos += 2;
            // Every leaf takes at least 7 bytes (deleted, ancestry count, body length): bound allocations by the input.
            if (count > span.Length / 7) throw new FormatException($"Record '{id}': {count} leaves cannot fit in {span.Length} bytes.");
            var leaves = new RevisionLeaf[count];
            for (int i = 0; i < count; i++)
            {
                Revision rev;
                if (i == 0 && winnerOmitted) rev = winnerRevision;
                else { rev = Revision.ReadFrom(span[pos..]); pos += Revision.EncodedSize; }
                byte flags = span[pos++];
                long stamp = 0;
                var kind = EditKind.Save;
                ReadOnlyMemory<byte> fieldStamps = default;
                if (v3)
                {
                    int kindBits = (flags & ~HasFieldStamps) >> 1;
                    if (kindBits > (int)EditKind.Resolve) throw new FormatException($"Record '{id}': unknown edit kind {kindBits}.");
                    kind = (EditKind)kindBits;
                    stamp = BinaryPrimitives.ReadInt64LittleEndian(span[pos..]); pos += 8;
                    if ((flags & HasFieldStamps) != 0)
                    {
                        int length = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]); pos += 4;
                        if (length <= 0 || length > span.Length - pos) throw new FormatException($"Record '{id}': field stamps length out of range.");
                        fieldStamps = payload.Slice(pos, length);
                        pos += length;
                    }
                    flags &= unchecked((byte)~HasFieldStamps);
                }
                bool deleted = (flags & 1) != 0 || (!v3 && flags != 0);
                int ac = BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]); pos += 2;
                if (ac > (span.Length - pos) / Revision.EncodedSize) throw new FormatException($"Record '{id}': ancestry longer than the payload.");
                var ancestry = new Revision[ac];
                for (int a = 0; a < ac; a++) { ancestry[a] = Revision.ReadFrom(span[pos..]); pos += Revision.EncodedSize; }
                int bodyLength = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]); pos += 4;
                if (bodyLength < 0 || bodyLength > span.Length - pos) throw new FormatException($"Record '{id}': body length out of range.");
                leaves[i] = new RevisionLeaf(rev, deleted, ancestry, payload.Slice(pos, bodyLength)) { Stamp = stamp, Kind = kind, FieldStamps = fieldStamps };
                pos += bodyLength;
            }
            if (count == 0) throw new FormatException($"Record '{id}': no revisions.");
            var history = HistoryChain.Empty;
            if (v3)
            {
                try
                {
                    history = HistoryChain.Decode(payload[pos..], leaves[0]);
                }
                catch (FormatException e)
                {
                    throw new FormatException($"Record '{id}': {e.Message}", e);
                }
            }
            return new DocumentRecord(id, leaves, history);
        }
        // Short input surfaces as ArgumentOutOfRangeException (slices, BinaryPrimitives) or IndexOutOfRangeException (span[i]).
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new FormatException($"Record '{id}': truncated payload.", e);
        }
    }
}
