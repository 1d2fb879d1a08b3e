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

    private DocumentRecord(string id, RevisionLeaf[] leaves, IReadOnlyList<HistoryEntry>? history = null)
    {
        Id = id;
        Leaves = leaves;
        History = history ?? [];
    }

    public string Id { get; }

    /// <summary>
    /// Past revisions this replica kept, newest first (DESIGN §8): revisions a save, delete or accepted descendant
    /// replaced here, bodies for at most the configured depth. Local to the replica: replication carries leaves only.
    /// </summary>
    public IReadOnlyList<HistoryEntry> History { get; }

    /// <summary>This record with another history (leaves unchanged).</summary>
    public DocumentRecord WithHistory(IReadOnlyList<HistoryEntry> history) => new(Id, (RevisionLeaf[])Leaves, history);

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
        return new DocumentRecord(id, sorted, history);
    }

    /// <summary>
    /// Binary payload: version, leaf count, then per leaf rev, deleted, ancestry, body. With
    /// <paramref name="omitWinnerRevision"/> the winner's rev is left out; <see cref="Decode"/> then needs it back.
    /// </summary>
    public byte[] Encode(bool omitWinnerRevision = false)
    {
        int size = 1 + 2 - (omitWinnerRevision ? Revision.EncodedSize : 0);
        foreach (var l in Leaves) size += Revision.EncodedSize + 1 + 2 + l.Ancestry.Length * Revision.EncodedSize + 4 + l.Body.Length;
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = omitWinnerRevision ? FormatWithoutWinnerRevision : FormatVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(span[1..], (ushort)Leaves.Count);
        int pos = 3;
        foreach (var l in Leaves)
        {
            if (!omitWinnerRevision || !ReferenceEquals(l, Leaves[0])) { l.Rev.WriteTo(span[pos..]); pos += Revision.EncodedSize; }
            span[pos++] = l.Deleted ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt16LittleEndian(span[pos..], (ushort)l.Ancestry.Length); pos += 2;
            foreach (var a in l.Ancestry) { a.WriteTo(span[pos..]); pos += Revision.EncodedSize; }
            BinaryPrimitives.WriteInt32LittleEndian(span[pos..], l.Body.Length); pos += 4;
            l.Body.Span.CopyTo(span[pos..]); pos += l.Body.Length;
        }
        return buffer;
    }

    /// <summary>Decodes a payload made by <see cref="Encode"/>; bodies are slices of <paramref name="payload"/>.</summary>
    /// <param name="id">The record id.</param>
    /// <param name="payload">The encoded record.</param>
    /// <param name="winnerRevision">The winner's revision, required when it was left out of the payload.</param>
    /// <exception cref="FormatException">The payload is malformed.</exception>
    public static DocumentRecord Decode(string id, ReadOnlyMemory<byte> payload, Revision winnerRevision = default)
    {
        try
        {
            var span = payload.Span;
            if (span.Length < 3 || (span[0] != FormatVersion && span[0] != FormatWithoutWinnerRevision))
                throw new FormatException($"Record '{id}': unknown payload format {(span.Length > 0 ? span[0] : -1)}.");
            bool winnerOmitted = span[0] == FormatWithoutWinnerRevision;
            if (winnerOmitted && winnerRevision.IsEmpty)
                throw new FormatException($"Record '{id}': the payload leaves out the winner's revision and none was given.");
            int count = BinaryPrimitives.ReadUInt16LittleEndian(span[1..]);
            // Every leaf takes at least 7 bytes (deleted, ancestry count, body length): bound allocations by the input.
            if (count > span.Length / 7) throw new FormatException($"Record '{id}': {count} leaves cannot fit in {span.Length} bytes.");
            var leaves = new RevisionLeaf[count];
            int pos = 3;
            for (int i = 0; i < count; i++)
            {
                Revision rev;
                if (i == 0 && winnerOmitted) rev = winnerRevision;
                else { rev = Revision.ReadFrom(span[pos..]); pos += Revision.EncodedSize; }
                bool deleted = span[pos++] != 0;
                int ac = BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]); pos += 2;
                if (ac > (span.Length - pos) / Revision.EncodedSize) throw new FormatException($"Record '{id}': ancestry longer than the payload.");
                var ancestry = new Revision[ac];
                for (int a = 0; a < ac; a++) { ancestry[a] = Revision.ReadFrom(span[pos..]); pos += Revision.EncodedSize; }
                int bodyLength = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]); pos += 4;
                if (bodyLength < 0 || bodyLength > span.Length - pos) throw new FormatException($"Record '{id}': body length out of range.");
                leaves[i] = new RevisionLeaf(rev, deleted, ancestry, payload.Slice(pos, bodyLength));
                pos += bodyLength;
            }
            if (count == 0) throw new FormatException($"Record '{id}': no revisions.");
            return new DocumentRecord(id, leaves);
        }
        // Short input surfaces as ArgumentOutOfRangeException (slices, BinaryPrimitives) or IndexOutOfRangeException (span[i]).
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new FormatException($"Record '{id}': truncated payload.", e);
        }
    }
}
