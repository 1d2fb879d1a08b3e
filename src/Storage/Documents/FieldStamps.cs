using System.Buffers;
using System.Text;
using System.Text.Json;
using MyNoSql.Storage.IO;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// When each tracked top-level field of a revision was last written (DESIGN §8, merge strategy Latest): the
/// <see cref="HybridClock"/> stamp of the revision, on this leaf's line, that last changed the field's value (removing
/// it, or leaving it missing at creation, counts as writing "missing"). The tracked fields are the database policy's
/// Latest fields when the edit was made. A leaf carries its map as metadata beside <see cref="RevisionLeaf.Stamp"/> (not
/// part of the revision hash) to every replica, so the merge can tell per field which write is newer from the leaves
/// alone — a leaf saved after a conflicting write may still hold an older value of some fields.
/// </summary>
/// <remarks>Encoding: varint count, then per field in ordinal name order varint name length, name UTF-8, varint stamp.
/// Empty: no field tracked (a leaf made before a Latest policy, by another system, or a tombstone).</remarks>
internal static class FieldStamps
{
    private const int MaxFields = 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = DocumentCodec.MaxDepth };

    /// <summary>The fields a policy tracks (its Latest fields, ordinal order); null when none.</summary>
    public static string[]? TrackedBy(MergePolicy? policy)
    {
        if (policy is null) return null;
        string[]? tracked = null;
        int n = 0;
        foreach (var (name, strategy) in policy.Fields)
        {
            if (strategy != MergeStrategy.Latest) continue;
            tracked ??= new string[policy.Fields.Count];
            tracked[n++] = name;
        }
        if (tracked is null) return null;
        Array.Resize(ref tracked, n);
        Array.Sort(tracked, StringComparer.Ordinal);
        return tracked;
    }

    /// <summary>
    /// The map of a new live revision with <paramref name="body"/> made at <paramref name="stamp"/> over
    /// <paramref name="parent"/> (null: a creation): a tracked field whose value (its JSON text; missing is a value)
    /// differs from the parent's was written now (and never before the parent's time of that field: the write replaced
    /// it); an unchanged one keeps the parent's time, or the parent's own stamp when the parent did not track it (the
    /// latest it can have been written).
    /// </summary>
    public static ReadOnlyMemory<byte> ForChild(RevisionLeaf? parent, ReadOnlyMemory<byte> body, long stamp, IReadOnlyList<string>? tracked)
    {
        if (tracked is not { Count: > 0 }) return default;
        var parentTimes = parent is null ? null : Parse(parent.FieldStamps);
        using var now = ParseBody(body);
        using var before = parent is null || parent.Deleted ? null : ParseBody(parent.Body);
        var times = new KeyValuePair<string, long>[tracked.Count];
        for (int i = 0; i < tracked.Count; i++)
        {
            string name = tracked[i];
            long time;
            if (parent is null) time = stamp;
            else
            {
                long previous = parentTimes is not null && parentTimes.TryGetValue(name, out long kept) ? kept : parent.Stamp;
                // A write replaces the value it was made over: it is newer than that value whatever this replica's clock
                // says (a device whose clock is behind, or that saw a stamp from a clock far ahead, would otherwise lose
                // its only change of the field to the very value it replaced).
                time = Changed(now, before, name) ? Math.Max(stamp, previous + 1) : previous;
            }
            times[i] = new(name, time);
        }
        return Encode(times);
    }

    /// <summary>Encodes a map (names unique); the order of <paramref name="times"/> does not matter.</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, long>> times)
    {
        var sorted = times.OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        var output = new ArrayBufferWriter<byte>(16 + sorted.Length * 16);
        VarInt.Write(output, (ulong)sorted.Length);
        foreach (var (name, time) in sorted)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            VarInt.Write(output, (ulong)bytes.Length);
            output.Write(bytes);
            VarInt.Write(output, (ulong)Math.Max(0, time));
        }
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The map (null when empty or malformed: then no field's time is known, as for an untracked leaf).</summary>
    public static Dictionary<string, long>? Parse(ReadOnlyMemory<byte> encoded)
    {
        if (encoded.IsEmpty) return null;
        var span = encoded.Span;
        int pos = 0;
        if (!VarInt.TryRead(span, ref pos, out ulong count) || count > MaxFields) return null;
        var map = new Dictionary<string, long>((int)count, StringComparer.Ordinal);
        for (ulong i = 0; i < count; i++)
        {
            if (!VarInt.TryRead(span, ref pos, out ulong length) || length > (ulong)(span.Length - pos)) return null;
            string name;
            try { name = StrictUtf8.GetString(span.Slice(pos, (int)length)); }
            catch (DecoderFallbackException) { return null; }
            pos += (int)length;
            if (!VarInt.TryRead(span, ref pos, out ulong time) || time > long.MaxValue || !map.TryAdd(name, (long)time)) return null;
        }
        return pos == span.Length ? map : null;
    }

    /// <summary>True when <paramref name="encoded"/> is empty or a well-formed map (checked on what arrives from elsewhere).</summary>
    public static bool IsValid(ReadOnlyMemory<byte> encoded) => encoded.IsEmpty || Parse(encoded) is not null;

    private static JsonDocument? ParseBody(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return null;
        try { return JsonDocument.Parse(body, ReadOptions); }
        catch (JsonException) { return null; }
    }

    private static bool Changed(JsonDocument? now, JsonDocument? before, string name)
    {
        bool has = TryGet(now, name, out var value);
        bool had = TryGet(before, name, out var old);
        if (has != had) return true;
        return has && !System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value)
            .SequenceEqual(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(old));
    }

    private static bool TryGet(JsonDocument? doc, string name, out JsonElement value)
    {
        value = default;
        return doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out value);
    }
}
