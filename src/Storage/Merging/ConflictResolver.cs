using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Merging;

/// <summary>
/// Resolves a record's conflict by a <see cref="MergePolicy"/> (DESIGN §8). The merged content is a function of the live
/// leaves (and, for Latest and Counter, the body of their common ancestor from the record's history), and the resolution
/// is a child of the winner (stamp: the greatest leaf stamp, kind <see cref="EditKind.Resolve"/>) with every losing
/// live leaf closed by its tombstone — so every replica that resolves the same leaves writes the same revisions.
/// </summary>
/// <remarks>
/// Per field (a field is "missing" in a leaf that lacks it):
/// <list type="bullet">
/// <item>Winner (and every field the policy does not name): the winner's value, or missing.</item>
/// <item>Latest: among leaves whose value differs (by collation; missing counts as a value) from the ancestor's, the one
/// with the greatest leaf stamp (ties: winner order); unchanged everywhere: the winner's (equal to the ancestor's).</item>
/// <item>Max / Min: the greatest / least present value in the §7 collation (collation-equal values: the one whose JSON
/// text is ordinally least, so the leaves' order never matters); missing when no leaf has the field.</item>
/// <item>Union: every element of every leaf's array once (a present non-array counts as a one-element set), in collation
/// order, collation-equal elements as for Max; missing when no leaf has the field.</item>
/// <item>Counter: ancestor + Σ(leaf − ancestor), missing counting as 0; integers stay integers (doubles on overflow);
/// any non-number (in a leaf or the ancestor) falls back to Winner; missing when no leaf has the field.</item>
/// </list>
/// Output: the winner's fields in the winner's order, then fields only other leaves have, in ordinal order. Values are
/// the leaves' own JSON text (untouched), Counter's sums written by <see cref="Utf8JsonWriter"/>.
/// A counter is a three-way merge against the newest common ancestor: resolutions of overlapping leaf sets made apart
/// (one replica resolved {a,b}, another {a,b,c}) and then merged count the shared changes twice — the same limit as
/// any state-based counter without per-replica totals.
/// </remarks>
internal static class ConflictResolver
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = DocumentCodec.MaxDepth,
        SkipValidation = true,
    };

    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = DocumentCodec.MaxDepth };

    /// <summary>
    /// The record with the conflict resolved; null when it has no live conflict, the policy is empty, or a strategy
    /// needs the common ancestor's body and this replica does not hold it (another replica that holds it resolves; the
    /// conflict stays until then, as without a policy).
    /// </summary>
    public static DocumentRecord? TryResolve(DocumentRecord record, MergePolicy policy, int historyDepth)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.IsEmpty || record.Winner.Deleted) return null;
        var live = record.Leaves.Where(l => !l.Deleted).ToArray(); // winner first
        if (live.Length < 2) return null;
        ReadOnlyMemory<byte>? ancestor = null;
        if (NeedsAncestor(policy))
        {
            var rev = CommonAncestor(live);
            if (rev.IsEmpty || !TryGetBody(record, rev, out var body, out bool deleted)) return null;
            ancestor = deleted ? "{}"u8.ToArray() : body;
        }
        var merged = MergeBodies(live, ancestor, policy);
        if (merged is null) return null;
        return Close(record, merged, live.Max(l => l.Stamp), historyDepth);
    }

    /// <summary>
    /// The record with <paramref name="merged"/> written as a child of the winner (kind <see cref="EditKind.Resolve"/>,
    /// <paramref name="stamp"/>) and every other live leaf closed by its tombstone (same stamp and kind); the replaced
    /// live leaves go to the history, newest first. The winner must be live.
    /// </summary>
    public static DocumentRecord Close(DocumentRecord record, ReadOnlyMemory<byte> merged, long stamp, int historyDepth)
    {
        var winner = record.Winner;
        if (winner.Deleted) throw new ArgumentException("The winner of a record to resolve must be live.", nameof(record));
        var leaves = new List<RevisionLeaf>(record.Leaves.Count);
        var replaced = new List<HistoryEntry>();
        foreach (var leaf in record.Leaves)
        {
            if (leaf.Deleted)
            {
                leaves.Add(leaf);
                continue;
            }
            bool isWinner = ReferenceEquals(leaf, winner);
            leaves.Add(isWinner
                ? RevisionLeaf.Child(leaf, deleted: false, merged, pending: true, stamp, EditKind.Resolve)
                : RevisionLeaf.Child(leaf, deleted: true, ReadOnlyMemory<byte>.Empty, pending: true, stamp, EditKind.Resolve));
            replaced.Add(new HistoryEntry(leaf.Rev, false, leaf.Stamp, leaf.Kind, leaf.Body, Acked: false));
        }
        return DocumentRecord.Create(record.Id, leaves, History(record.History, replaced, historyDepth));
    }

    /// <summary>The merged content of <paramref name="leaves"/> (any order; ordered winner first here) under
    /// <paramref name="policy"/>, given the common ancestor's body when known (null otherwise). Null when a strategy
    /// needs the ancestor and none was given, or no leaf is live. Exposed for the merge-law property tests.</summary>
    public static byte[]? MergeBodies(IReadOnlyList<RevisionLeaf> leaves, ReadOnlyMemory<byte>? ancestor, MergePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(policy);
        var ordered = leaves.Where(l => !l.Deleted).Order(DocumentRules.WinnerFirst).ToArray();
        if (ordered.Length == 0) return null;
        if (ancestor is null && NeedsAncestor(policy)) return null;
        var docs = new JsonDocument[ordered.Length];
        JsonDocument? ancestorDoc = null;
        try
        {
            for (int i = 0; i < ordered.Length; i++) docs[i] = JsonDocument.Parse(ordered[i].Body, ReadOptions);
            if (ancestor is { } a) ancestorDoc = JsonDocument.Parse(a.Length == 0 ? "{}"u8.ToArray() : a, ReadOptions);
            return Merge(ordered, docs, ancestorDoc?.RootElement, policy);
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

    private static bool NeedsAncestor(MergePolicy policy) =>
        policy.Fields.Values.Any(s => s is MergeStrategy.Latest or MergeStrategy.Counter);

    /// <summary>A leaf's or a kept past revision's body (<see cref="RecordHistory.TryGetBody"/>'s rule).</summary>
    private static bool TryGetBody(DocumentRecord record, Revision rev, out ReadOnlyMemory<byte> body, out bool deleted)
    {
        foreach (var leaf in record.Leaves)
        {
            if (leaf.Rev != rev) continue;
            body = leaf.Body;
            deleted = leaf.Deleted;
            return true;
        }
        foreach (var entry in record.History)
        {
            if (entry.Rev != rev || entry.Body is not { } kept) continue;
            body = kept;
            deleted = entry.Deleted;
            return true;
        }
        body = default;
        deleted = false;
        return false;
    }

    /// <summary>The replaced live leaves (winner first) ahead of the kept history, bodies kept for at most
    /// <paramref name="depth"/> entries.</summary>
    private static List<HistoryEntry> History(IReadOnlyList<HistoryEntry> kept, List<HistoryEntry> replaced, int depth)
    {
        var history = new List<HistoryEntry>(replaced.Count + kept.Count);
        foreach (var e in replaced.Concat(kept))
        {
            if (history.Count >= depth) break;
            if (history.Exists(h => h.Rev == e.Rev)) continue;
            history.Add(e);
        }
        return history;
    }

    private static byte[] Merge(RevisionLeaf[] leaves, JsonDocument[] docs, JsonElement? ancestor, MergePolicy policy)
    {
        var buffer = new ArrayBufferWriter<byte>(leaves[0].Body.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            var winner = docs[0].RootElement;
            foreach (var property in winner.EnumerateObject())
                WriteField(writer, property.Name, docs, leaves, ancestor, policy);
            if (docs.Length > 1)
            {
                SortedSet<string>? extra = null;
                for (int i = 1; i < docs.Length; i++)
                {
                    foreach (var property in docs[i].RootElement.EnumerateObject())
                    {
                        if (winner.TryGetProperty(property.Name, out _)) continue;
                        (extra ??= new SortedSet<string>(StringComparer.Ordinal)).Add(property.Name);
                    }
                }
                if (extra is not null)
                    foreach (var name in extra) WriteField(writer, name, docs, leaves, ancestor, policy);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteField(Utf8JsonWriter writer, string name, JsonDocument[] docs, RevisionLeaf[] leaves, JsonElement? ancestor, MergePolicy policy)
    {
        var strategy = policy.Fields.TryGetValue(name, out var s) ? s : MergeStrategy.Winner;
        switch (strategy)
        {
            case MergeStrategy.Latest:
                WriteLatest(writer, name, docs, leaves, ancestor!.Value);
                return;
            case MergeStrategy.Max:
            case MergeStrategy.Min:
                WriteExtreme(writer, name, docs, strategy == MergeStrategy.Max);
                return;
            case MergeStrategy.Union:
                WriteUnion(writer, name, docs);
                return;
            case MergeStrategy.Counter:
                if (TryWriteCounter(writer, name, docs, ancestor!.Value)) return;
                break;
        }
        if (docs[0].RootElement.TryGetProperty(name, out var value)) WriteRaw(writer, name, value);
    }

    private static void WriteRaw(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(JsonMarshalRaw(value), skipInputValidation: true);
    }

    private static ReadOnlySpan<byte> JsonMarshalRaw(JsonElement value) => System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);

    private static void WriteLatest(Utf8JsonWriter writer, string name, JsonDocument[] docs, RevisionLeaf[] leaves, JsonElement ancestor)
    {
        JsonElement ancestorValue = default;
        bool ancestorHas = ancestor.ValueKind == JsonValueKind.Object && ancestor.TryGetProperty(name, out ancestorValue);
        JsonNode? ancestorNode = ancestorHas ? NodeOf(ancestorValue) : null;
        int best = -1;
        for (int i = 0; i < docs.Length; i++)
        {
            bool has = docs[i].RootElement.TryGetProperty(name, out var value);
            bool changed = has != ancestorHas || (has && !Collation.Equal(NodeOf(value), ancestorNode));
            if (changed && (best < 0 || leaves[i].Stamp > leaves[best].Stamp)) best = i;
        }
        if (best < 0) best = 0; // unchanged everywhere: the winner's value equals the ancestor's
        if (docs[best].RootElement.TryGetProperty(name, out var chosen)) WriteRaw(writer, name, chosen);
    }

    private static void WriteExtreme(Utf8JsonWriter writer, string name, JsonDocument[] docs, bool max)
    {
        JsonElement best = default;
        JsonNode? bestNode = null;
        bool found = false;
        foreach (var doc in docs)
        {
            if (!doc.RootElement.TryGetProperty(name, out var value)) continue;
            var node = NodeOf(value);
            if (!found)
            {
                (best, bestNode, found) = (value, node, true);
                continue;
            }
            int c = Collation.Compare(node, bestNode);
            if (!max) c = -c;
            if (c > 0 || (c == 0 && JsonMarshalRaw(value).SequenceCompareTo(JsonMarshalRaw(best)) < 0)) (best, bestNode) = (value, node);
        }
        if (found) WriteRaw(writer, name, best);
    }

    private static void WriteUnion(Utf8JsonWriter writer, string name, JsonDocument[] docs)
    {
        var elements = new List<(JsonElement Value, JsonNode? Node)>();
        bool found = false;
        foreach (var doc in docs)
        {
            if (!doc.RootElement.TryGetProperty(name, out var value)) continue;
            found = true;
            if (value.ValueKind == JsonValueKind.Array)
                foreach (var e in value.EnumerateArray()) elements.Add((e, NodeOf(e)));
            else elements.Add((value, NodeOf(value)));
        }
        if (!found) return;
        elements.Sort((x, y) =>
        {
            int c = Collation.Compare(x.Node, y.Node);
            return c != 0 ? c : JsonMarshalRaw(x.Value).SequenceCompareTo(JsonMarshalRaw(y.Value));
        });
        writer.WritePropertyName(name);
        writer.WriteStartArray();
        for (int i = 0; i < elements.Count; i++)
        {
            // Sorted by (collation, text): the first of each collation-equal run is the one with the least text.
            if (i > 0 && Collation.Compare(elements[i].Node, elements[i - 1].Node) == 0) continue;
            writer.WriteRawValue(JsonMarshalRaw(elements[i].Value), skipInputValidation: true);
        }
        writer.WriteEndArray();
    }

    private static bool TryWriteCounter(Utf8JsonWriter writer, string name, JsonDocument[] docs, JsonElement ancestor)
    {
        bool any = false;
        foreach (var doc in docs) any |= doc.RootElement.TryGetProperty(name, out _);
        if (!any) return true; // no leaf has it: missing
        if (!TryNumber(ancestor, name, out long ancestorLong, out double ancestorDouble, out bool integral)) return false;
        long sumLong = ancestorLong;
        double sumDouble = ancestorDouble;
        bool overflow = false;
        foreach (var doc in docs)
        {
            if (!TryNumber(doc.RootElement, name, out long l, out double d, out bool isInt)) return false;
            integral &= isInt;
            sumDouble += d - ancestorDouble;
            if (integral && !overflow)
            {
                try { sumLong = checked(sumLong + (l - ancestorLong)); }
                catch (OverflowException) { overflow = true; }
            }
        }
        writer.WritePropertyName(name);
        if (integral && !overflow) writer.WriteNumberValue(sumLong);
        else writer.WriteNumberValue(sumDouble);
        return true;
    }

    /// <summary>The field as a number (missing: 0); false for a present non-number.</summary>
    private static bool TryNumber(JsonElement obj, string name, out long asLong, out double asDouble, out bool integral)
    {
        asLong = 0;
        asDouble = 0;
        integral = true;
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var value)) return true;
        if (value.ValueKind != JsonValueKind.Number) return false;
        asDouble = value.GetDouble();
        integral = value.TryGetInt64(out asLong);
        if (!integral) asLong = 0;
        return double.IsFinite(asDouble);
    }

    private static JsonNode? NodeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(value),
        JsonValueKind.Array => JsonArray.Create(value),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(value),
    };
}
