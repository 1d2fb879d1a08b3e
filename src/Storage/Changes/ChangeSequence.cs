using System.Buffers;
using System.Buffers.Text;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Changes;

/// <summary>
/// A position in a replica's change feed: per engine shard, the lsn reached (<see cref="Engine.RecordHeader.Sequence"/>;
/// lsns only grow and survive reopening and compaction, so a position stays valid across restarts). Token: base64url
/// (no padding) of <c>[u8 1][varint shards]{varint lsn}×shards</c> — opaque to callers. <c>"0"</c> or empty is the start.
/// </summary>
internal sealed class ChangeSequence
{
    private const byte Version = 1;
    private readonly ulong[] _lsns;

    private ChangeSequence(ulong[] lsns) => _lsns = lsns;

    /// <summary>The start of the feed of a store with <paramref name="shards"/> shards.</summary>
    public static ChangeSequence Start(int shards) => new(new ulong[shards]);

    /// <summary>Number of shards this position covers.</summary>
    public int Shards => _lsns.Length;

    /// <summary>The lsn reached in <paramref name="shard"/>.</summary>
    public ulong this[int shard]
    {
        get => _lsns[shard];
        set => _lsns[shard] = value;
    }

    /// <summary>A copy to advance while this one stays.</summary>
    public ChangeSequence Clone() => new((ulong[])_lsns.Clone());

    /// <summary>The opaque token.</summary>
    public override string ToString()
    {
        var bytes = new ArrayBufferWriter<byte>(2 + _lsns.Length * 3);
        bytes.GetSpan(1)[0] = Version;
        bytes.Advance(1);
        VarInt.Write(bytes, (ulong)_lsns.Length);
        foreach (ulong lsn in _lsns) VarInt.Write(bytes, lsn);
        return Base64Url.EncodeToString(bytes.WrittenSpan);
    }

    /// <summary>Parses a token issued for a store of <paramref name="shards"/> shards; null, empty or <c>"0"</c> is the start.</summary>
    /// <exception cref="ArgumentException">Not such a token (named as <paramref name="parameterName"/>).</exception>
    public static ChangeSequence Parse(string? token, int shards, string parameterName)
    {
        if (string.IsNullOrEmpty(token) || token == "0") return Start(shards);
        if (!Base64Url.IsValid(token, out int length))
            throw new ArgumentException($"'{Shorten(token)}' is not a change sequence this database issued.", parameterName);
        var bytes = new byte[length];
        if (!Base64Url.TryDecodeFromChars(token, bytes, out int written) || written != length || length < 2 || bytes[0] != Version)
            throw new ArgumentException($"'{Shorten(token)}' is not a change sequence this database issued.", parameterName);
        int position = 1;
        if (!VarInt.TryRead(bytes, ref position, out ulong count) || count != (ulong)shards)
            throw new ArgumentException($"'{Shorten(token)}' is not a change sequence of this database (another shard count).", parameterName);
        var lsns = new ulong[shards];
        for (int s = 0; s < shards; s++)
        {
            if (!VarInt.TryRead(bytes, ref position, out lsns[s]))
                throw new ArgumentException($"'{Shorten(token)}' is a truncated change sequence.", parameterName);
        }
        if (position != bytes.Length)
            throw new ArgumentException($"'{Shorten(token)}' has trailing bytes after the change sequence.", parameterName);
        return new ChangeSequence(lsns);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
