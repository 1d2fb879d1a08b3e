using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using MyNoSql.Storage.Index;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Sync;

/// <summary>
/// A pull checkpoint of the sync protocol: per index segment, the epoch of the segment's sequence space and the last
/// sequence pulled. The one codec of checkpoints (HTTP gateway, Orleans transport, peers, simulation); the token is
/// opaque to peers. Format v2: base64url of <c>[u8 2][u8 segments]{varint epoch (u64), varint sequence}×segments</c>.
/// Still parsed: v1 (<c>[u8 1][u8 segments]{u32 epoch LE, varint sequence}</c>, gateways before 64-bit epochs) and
/// the Orleans transport's <c>o1.</c> + base64url of i64 LE pairs, so upgraded peers keep their place.
/// See src/Storage/Sync/README.md.
/// </summary>
public sealed class SyncCheckpoint
{
    /// <summary>Index segments per database (<c>IndexSegment.Count</c>, the one definition).</summary>
    public const int Segments = IndexSegment.Count;

    /// <summary>Length of the flattened vector <c>[epoch0, seq0, epoch1, seq1, …]</c> grain calls carry.</summary>
    public const int VectorLength = Segments * 2;

    private const byte Version1 = 1;
    private const byte Version2 = 2;
    private const string OrleansV1Prefix = "o1.";
    private readonly long[] _epochs;
    private readonly long[] _sequences;

    /// <summary>A checkpoint at the start (pull everything).</summary>
    public SyncCheckpoint() : this(new long[Segments], new long[Segments]) { }

    private SyncCheckpoint(long[] epochs, long[] sequences)
    {
        _epochs = epochs;
        _sequences = sequences;
    }

    /// <summary>The epoch of segment <paramref name="segment"/>'s sequence space as this checkpoint saw it.</summary>
    public long Epoch(int segment) => _epochs[segment];

    /// <summary>The last sequence of segment <paramref name="segment"/> pulled.</summary>
    public long Sequence(int segment) => _sequences[segment];

    /// <summary>Sets one segment's position (checkpoints are built by the sync service, then frozen into a token).</summary>
    public void Set(int segment, long epoch, long sequence)
    {
        _epochs[segment] = epoch;
        _sequences[segment] = sequence;
    }

    /// <summary>A copy to advance while the original stays as it was.</summary>
    public SyncCheckpoint Clone() => new((long[])_epochs.Clone(), (long[])_sequences.Clone());

    /// <summary>True when both name the same position in every segment.</summary>
    public bool SameAs(SyncCheckpoint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _epochs.AsSpan().SequenceEqual(other._epochs) && _sequences.AsSpan().SequenceEqual(other._sequences);
    }

    /// <summary>The flattened vector <c>[epoch0, seq0, …]</c> (grain calls).</summary>
    public long[] ToVector()
    {
        var vector = new long[VectorLength];
        for (int s = 0; s < Segments; s++) (vector[s * 2], vector[s * 2 + 1]) = (_epochs[s], _sequences[s]);
        return vector;
    }

    /// <summary>From a flattened vector; null or empty means the start.</summary>
    /// <exception cref="ArgumentException">The vector has neither 0 nor <see cref="VectorLength"/> numbers.</exception>
    public static SyncCheckpoint FromVector(long[]? vector)
    {
        var checkpoint = new SyncCheckpoint();
        if (vector is null || vector.Length == 0) return checkpoint;
        if (vector.Length != VectorLength) throw new ArgumentException($"A checkpoint vector has {VectorLength} numbers (got {vector.Length}).", nameof(vector));
        for (int s = 0; s < Segments; s++) checkpoint.Set(s, vector[s * 2], vector[s * 2 + 1]);
        return checkpoint;
    }

    /// <summary>The token (format v2).</summary>
    public string ToToken()
    {
        var bytes = new ArrayBufferWriter<byte>(2 + Segments * 12);
        var head = bytes.GetSpan(2);
        head[0] = Version2;
        head[1] = Segments;
        bytes.Advance(2);
        for (int s = 0; s < Segments; s++)
        {
            VarInt.Write(bytes, (ulong)_epochs[s]);
            VarInt.Write(bytes, (ulong)_sequences[s]);
        }
        return Base64Url.EncodeToString(bytes.WrittenSpan);
    }

    /// <summary>The poll token of this checkpoint (<see cref="PollTokenOf"/> of <see cref="ToToken"/>).</summary>
    public string ToPollToken() => PollTokenOf(ToToken());

    /// <summary>
    /// The token of a no-change poll (<c>GET /db/{db}/sync/poll?t=TOKEN</c>): base64url of the first 12 bytes of
    /// SHA-256 over the UTF-8 checkpoint token (empty for none), 16 characters whatever the checkpoint's size.
    /// Peer and mirror compute it the same way; equal tokens mean the peer's checkpoint is the mirror's current one.
    /// </summary>
    public static string PollTokenOf(string? token)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token ?? ""), hash);
        return Base64Url.EncodeToString(hash[..12]);
    }

    /// <summary>Parses a token of any supported format; null or empty is the start. False for anything else.</summary>
    public static bool TryParse(string? token, out SyncCheckpoint checkpoint)
    {
        checkpoint = new SyncCheckpoint();
        if (string.IsNullOrEmpty(token)) return true;
        var parsed = new SyncCheckpoint();
        bool ok = token.StartsWith(OrleansV1Prefix, StringComparison.Ordinal)
            ? TryParseOrleansV1(token.AsSpan(OrleansV1Prefix.Length), parsed)
            : TryParseBinary(token, parsed);
        if (ok) checkpoint = parsed;
        return ok;
    }

    private static bool TryParseBinary(string token, SyncCheckpoint checkpoint)
    {
        if (!TryDecode(token, out var bytes)) return false;
        if (bytes.Length < 2 || bytes[1] != Segments || bytes[0] is not (Version1 or Version2)) return false;
        int pos = 2;
        for (int s = 0; s < Segments; s++)
        {
            ulong epoch;
            if (bytes[0] == Version1)
            {
                if (pos + 4 > bytes.Length) return false;
                epoch = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
                pos += 4;
            }
            else if (!VarInt.TryRead(bytes, ref pos, out epoch))
            {
                return false;
            }
            if (!VarInt.TryRead(bytes, ref pos, out ulong sequence) || sequence > long.MaxValue) return false;
            checkpoint.Set(s, (long)epoch, (long)sequence);
        }
        return pos == bytes.Length;
    }

    private static bool TryParseOrleansV1(ReadOnlySpan<char> text, SyncCheckpoint checkpoint)
    {
        if (!TryDecode(text, out var bytes) || bytes.Length != VectorLength * 8) return false;
        for (int s = 0; s < Segments; s++)
            checkpoint.Set(s, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(s * 16)), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(s * 16 + 8)));
        return true;
    }

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        // TryDecodeFromChars throws on characters outside the alphabet: check first (hostile tokens get a 400, not a 500).
        bytes = [];
        if (!Base64Url.IsValid(text, out int length)) return false;
        bytes = new byte[length];
        return Base64Url.TryDecodeFromChars(text, bytes, out int written) && written == length;
    }
}
