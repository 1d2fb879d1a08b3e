using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Storage.Merging;

/// <summary>
/// Resolves a record's conflict by a <see cref="MergePolicy"/> (DESIGN §8). The merged content is a function of the live
/// leaves and what they carry (and, for Counter, or Latest over a leaf without field stamps, the body of their common
/// ancestor from the record's history), and the resolution
/// is a child of the winner (stamp: the greatest leaf stamp, kind <see cref="EditKind.Resolve"/>) with every losing
/// live leaf closed by its tombstone — so every replica that resolves the same leaves writes the same revisions.
/// </summary>
/// <remarks>
/// Per field (a field is "missing" in a leaf that lacks it):
/// <list type="bullet">
/// <item>Winner (and every field the policy does not name): the winner's value, or missing.</item>
/// <item>Latest: the value written last, per field: each leaf's write time of the field is its field stamp
/// (<see cref="FieldStamps"/>: when the value it holds was written on its line, so a leaf saved after a conflicting write
/// can still hold the older value). A leaf without one (made before the policy named the field, or by another system)
/// counts only when its value differs (by collation; missing counts as a value) from the common ancestor's, at its own
/// stamp (the latest that write can have been). Greatest time wins (ties: winner order); no candidate: the winner's
/// (equal to the ancestor's). The resolution carries the chosen write times as its own field stamps.</item>
/// <item>Max / Min: the greatest / least present value in the §7 collation (collation-equal values: the one whose JSON
/// text is ordinally least, so the leaves' order never matters); missing when no leaf has the field.</item>
/// <item>Union: every element of every leaf's array once (a present non-array counts as a one-element set), in collation
/// order, collation-equal elements as for Max; missing when no leaf has the field.</item>
/// <item>Counter: ancestor + Σ(leaf − ancestor), missing counting as 0; integers stay integers (doubles on overflow);
/// any non-number (in a leaf or the ancestor) falls back to Winner; missing when no leaf has the field.</item>
/// </list>
/// Output: the winner's fields in the winner's order, then fields only other leaves have, in ordinal order. Values are
/// the leaves' own JSON text (untouched), Counter's sums written by <see cref="Utf8JsonWriter"/>.
/// Leaves that share no revision but are each known back to their creation (one id created on two replicas) merge
/// against an empty ancestor (every present value is a change; counters start at 0).
/// A counter is a three-way merge against the newest common ancestor: resolutions of overlapping leaf sets made apart
/// (one replica resolved {a,b}, another {a,b,c}) and then merged count the shared changes twice — the same limit as
/// any state-based counter without per-replica totals.
/// </remarks>
internal static partial class ConflictResolver
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = DocumentCodec.MaxDepth,
        SkipValidation = true,
    };

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = DocumentCodec.MaxDepth };

    /// <summary>
    /// The record with the conflict resolved; null when it has no live conflict, the policy is empty, or the merge needs
    /// the common ancestor's body and this replica does not hold it (another replica that holds it resolves; the conflict
    /// stays until then, as without a policy). Only a Counter field that some leaf has, or a Latest field whose leaves
    /// differ and one of which carries no field stamp for it, needs the ancestor (<see cref="NeedsAncestor"/>).
    /// </summary>
    public static DocumentRecord? TryResolve(DocumentRecord record, MergePolicy policy, int historyDepth)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.IsEmpty || record.Winner.Deleted) return null;
        var live = record.Leaves.Where(l => !l.Deleted).ToArray(); // winner first
        if (live.Length < 2) return null;
        var merged = MergeCore(live, () => AncestorOf(record, live), policy, out var fieldStamps);
        if (merged is null) return null;
        // The manual merge's rule (DocumentRules.Resolve): a child of the winner, every other live leaf closed by its
        // tombstone, the replaced leaves into the history. Pending: a resolution is a local edit, pushed like a save.
        var edit = new EditContext(live.Max(l => l.Stamp), historyDepth, EditKind.Resolve);
        var resolved = DocumentRules.Resolve("", record, record.Id, record.Winner.Rev.ToString(), merged, pending: true, edit, merged: true).Record;
        if (fieldStamps.IsEmpty) return resolved;
        // The resolution carries, per Latest field, when the value it took was written (not the resolution's own stamp),
        // so a later conflict still compares that field's writes.
        var winner = resolved.Winner;
        return DocumentRecord.Create(record.Id, resolved.Leaves.Select(l => ReferenceEquals(l, winner) ? l with { FieldStamps = fieldStamps } : l), resolved.HistoryChain);
    }

    /// <summary>The merged content of <paramref name="leaves"/> (any order; ordered winner first here) under
    /// <paramref name="policy"/>, given the common ancestor's body when known (null otherwise). Null when the merge
    /// needs the ancestor and none was given, or no leaf is live. Exposed for the merge-law property tests.</summary>
    public static byte[]? MergeBodies(IReadOnlyList<RevisionLeaf> leaves, ReadOnlyMemory<byte>? ancestor, MergePolicy policy) =>
        MergeCore(leaves, () => ancestor, policy, out _);

    /// <summary>The body of the live leaves' common ancestor as this replica holds it (an empty object for a deleted one,
    /// or for branches each known back to their creation that share no revision); null when unknown here.</summary>
    private static ReadOnlyMemory<byte>? AncestorOf(DocumentRecord record, RevisionLeaf[] live)
    {
        var rev = CommonAncestor(live);
        if (rev.IsEmpty)
        {
            // Branches that share no revision, each known back to its creation (the same id created on two replicas):
            // their common ancestor is nothing, an empty record. With a cut ancestry nothing can be told: no resolution.
            if (!live.All(l => l.Ancestry.Length == l.Rev.Generation - 1)) return null;
            return EmptyObject;
        }
        if (!RecordHistory.TryGetBody(record, rev, out var body, out bool deleted)) return null;
        return deleted ? EmptyObject : body;
    }

    private static byte[]? MergeCore(IReadOnlyList<RevisionLeaf> leaves, Func<ReadOnlyMemory<byte>?> ancestorOf, MergePolicy policy, out ReadOnlyMemory<byte> fieldStamps)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(policy);
        fieldStamps = default;
        var ordered = leaves.Where(l => !l.Deleted).Order(DocumentRules.WinnerFirst).ToArray();
        if (ordered.Length == 0) return null;
        var docs = new JsonDocument[ordered.Length];
        JsonDocument? ancestorDoc = null;
        try
        {
            for (int i = 0; i < ordered.Length; i++) docs[i] = JsonDocument.Parse(ordered[i].Body, ReadOptions);
            var latest = new LatestContext(ordered, new Dictionary<string, long>(StringComparer.Ordinal));
            if (NeedsAncestor(policy, docs, latest))
            {
                if (ancestorOf() is not { } a) return null;
                ancestorDoc = JsonDocument.Parse(a.Length == 0 ? "{}"u8.ToArray() : a, ReadOptions);
            }
            var merged = Merge(ordered, docs, ancestorDoc?.RootElement, policy, latest);
            if (latest.Chosen.Count > 0) fieldStamps = FieldStamps.Encode(latest.Chosen);
            return merged;
        }
        finally
        {
            foreach (var d in docs) d?.Dispose();
            ancestorDoc?.Dispose();
        }
    }

    /// <summary>The newest revision that every live leaf is or descends from (by their recorded ancestry); empty when
    /// their recorded ancestries do not meet.</summary>
    public static Revision CommonAncestor(IReadOnlyList<RevisionLeaf> live)
    {
        Revision best = default;
        var first = live[0];
        for (int i = -1; i < first.Ancestry.Length; i++)
        {
            var candidate = i < 0 ? first.Rev : first.Ancestry[i];
            if (!best.IsEmpty && candidate <= best) continue;
            bool everywhere = true;
            for (int j = 1; j < live.Count && everywhere; j++) everywhere = live[j].Knows(candidate);
            if (everywhere) best = candidate;
        }
        return best;
    }

    /// <summary>
    /// Whether this merge needs the common ancestor's body: for a Counter field that some leaf has (the sum of changes
    /// is relative to it), and for a Latest field whose leaves' values differ while some leaf carries no field stamp
    /// for it ("changed since the ancestor" then stands in for the write time). Winner, Max, Min and Union never do.
    /// </summary>
    private static bool NeedsAncestor(MergePolicy policy, JsonDocument[] docs, LatestContext latest)
    {
        foreach (var (name, strategy) in policy.Fields)
        {
            if (strategy == MergeStrategy.Counter && docs.Any(d => TryGet(d, name, out _))) return true;
            if (strategy == MergeStrategy.Latest && !latest.AllKnow(name) && !AllSame(docs, name)) return true;
        }
        return false;
    }

    /// <summary>True when every body holds the same JSON text for the field, or none holds it.</summary>
    private static bool AllSame(JsonDocument[] docs, string name)
    {
        bool has = TryGet(docs[0], name, out var first);
        for (int i = 1; i < docs.Length; i++)
        {
            if (TryGet(docs[i], name, out var value) != has) return false;
            if (has && !JsonMarshalRaw(value).SequenceEqual(JsonMarshalRaw(first))) return false;
        }
        return true;
    }

    private static bool TryGet(JsonDocument doc, string name, out JsonElement value)
    {
        value = default;
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out value);
    }

    /// <summary>One field's value in one body: present or missing.</summary>
    private struct Slot
    {
        public bool Has;
        public JsonElement Value;
    }

    /// <summary>A body's top-level properties in document order, looked up by name with a position hint (leaves of one
    /// record mostly share their field order, so a lookup is one comparison).</summary>
    private readonly struct Fields(JsonElement root)
    {
        private readonly JsonProperty[] _properties = root.ValueKind == JsonValueKind.Object ? [.. root.EnumerateObject()] : [];

        public JsonProperty[] Properties => _properties;

        public Slot Find(string name, int hint)
        {
            if ((uint)hint < (uint)_properties.Length && _properties[hint].NameEquals(name)) return new Slot { Has = true, Value = _properties[hint].Value };
            foreach (var p in _properties)
                if (p.NameEquals(name)) return new Slot { Has = true, Value = p.Value };
            return default;
        }
    }

    private static byte[] Merge(RevisionLeaf[] leaves, JsonDocument[] docs, JsonElement? ancestor, MergePolicy policy, LatestContext context)
    {
        var fields = new Fields[docs.Length];
        for (int i = 0; i < docs.Length; i++) fields[i] = new Fields(docs[i].RootElement);
        var ancestorFields = ancestor is { } a ? new Fields(a) : default;
        var slots = new Slot[docs.Length];
        var buffer = new ArrayBufferWriter<byte>(leaves[0].Body.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            var winner = fields[0].Properties;
            for (int k = 0; k < winner.Length; k++)
                WriteField(writer, winner[k].Name, k, fields, slots, context, ancestor is null ? null : ancestorFields, policy);
            if (docs.Length > 1)
            {
                SortedSet<string>? extra = null;
                for (int i = 1; i < docs.Length; i++)
                {
                    var properties = fields[i].Properties;
                    for (int k = 0; k < properties.Length; k++)
                    {
                        string name = properties[k].Name;
                        if (fields[0].Find(name, k).Has) continue;
                        (extra ??= new SortedSet<string>(StringComparer.Ordinal)).Add(name);
                    }
                }
                if (extra is not null)
                    foreach (var name in extra) WriteField(writer, name, -1, fields, slots, context, ancestor is null ? null : ancestorFields, policy);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteField(Utf8JsonWriter writer, string name, int hint, Fields[] fields, Slot[] slots, LatestContext latest, Fields? ancestor, MergePolicy policy)
    {
        var strategy = policy.Fields.TryGetValue(name, out var s) ? s : MergeStrategy.Winner;
        if (strategy == MergeStrategy.Winner)
        {
            var own = fields[0].Find(name, hint);
            if (own.Has) WriteRaw(writer, name, own.Value);
            return;
        }
        for (int i = 0; i < fields.Length; i++) slots[i] = fields[i].Find(name, hint);
        switch (strategy)
        {
            case MergeStrategy.Latest:
                WriteLatest(writer, name, slots, latest, ancestor?.Find(name, hint));
                return;
            case MergeStrategy.Max:
            case MergeStrategy.Min:
                WriteExtreme(writer, name, slots, strategy == MergeStrategy.Max);
                return;
            case MergeStrategy.Union:
                WriteUnion(writer, name, slots);
                return;
            case MergeStrategy.Counter:
                if (TryWriteCounter(writer, name, slots, ancestor?.Find(name, hint) ?? default)) return;
                break;
        }
        if (slots[0].Has) WriteRaw(writer, name, slots[0].Value);
    }

    private static void WriteRaw(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(JsonMarshalRaw(value), skipInputValidation: true);
    }

    private static ReadOnlySpan<byte> JsonMarshalRaw(JsonElement value) => System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
}
