using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Merging;

// The strategies' writers (Latest, Max/Min, Union, Counter) and the §7 collation on parsed elements.
internal static partial class ConflictResolver
{
    /// <summary>The leaves (winner first) with their parsed field-stamp maps, and the write times the resolution takes.</summary>
    private sealed class LatestContext(RevisionLeaf[] leaves, Dictionary<string, long> chosen)
    {
        public RevisionLeaf[] Leaves { get; } = leaves;

        public Dictionary<string, long>?[] Times { get; } = [.. leaves.Select(l => FieldStamps.Parse(l.FieldStamps))];

        public Dictionary<string, long> Chosen { get; } = chosen;

        /// <summary>True when every leaf carries a write time for the field.</summary>
        public bool AllKnow(string name) => Times.All(t => t is not null && t.ContainsKey(name));
    }

    // Per leaf, the time its value of the field was written: the leaf's field stamp when it carries one (exact, and a
    // leaf that kept an older value keeps that older time); otherwise its own stamp — the latest the write can have been —
    // and only when the value differs from the common ancestor's (unchanged: no write to compare). Greatest time wins;
    // ties go to the earlier leaf in winner order. Leaves that all hold the same value need no ancestor: the value is
    // theirs, dated by the newest field stamp among them. Every input travels with the leaves, so every replica agrees.
    private static void WriteLatest(Utf8JsonWriter writer, string name, Slot[] slots, LatestContext latest, Slot? ancestor)
    {
        bool same = true;
        for (int i = 1; i < slots.Length && same; i++)
            same = slots[i].Has == slots[0].Has && (!slots[0].Has || JsonMarshalRaw(slots[i].Value).SequenceEqual(JsonMarshalRaw(slots[0].Value)));
        int best = -1;
        long bestTime = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            long time;
            if (latest.Times[i] is { } times && times.TryGetValue(name, out long known)) time = known;
            else if (same) continue;
            else if (ancestor is { } a && slots[i].Has == a.Has && (!a.Has || Compare(slots[i].Value, a.Value) == 0)) continue;
            else time = latest.Leaves[i].Stamp;
            if (best < 0 || time > bestTime) (best, bestTime) = (i, time);
        }
        if (best < 0) best = 0; // unchanged everywhere (or the same everywhere, no leaf dated): the winner's value
        else latest.Chosen[name] = bestTime;
        if (slots[best].Has) WriteRaw(writer, name, slots[best].Value);
    }

    private static void WriteExtreme(Utf8JsonWriter writer, string name, Slot[] slots, bool max)
    {
        JsonElement best = default;
        bool found = false;
        foreach (var slot in slots)
        {
            if (!slot.Has) continue;
            if (!found)
            {
                (best, found) = (slot.Value, true);
                continue;
            }
            int c = Compare(slot.Value, best);
            if (!max) c = -c;
            if (c > 0 || (c == 0 && JsonMarshalRaw(slot.Value).SequenceCompareTo(JsonMarshalRaw(best)) < 0)) best = slot.Value;
        }
        if (found) WriteRaw(writer, name, best);
    }

    private static void WriteUnion(Utf8JsonWriter writer, string name, Slot[] slots)
    {
        var elements = new List<JsonElement>();
        bool found = false;
        foreach (var slot in slots)
        {
            if (!slot.Has) continue;
            found = true;
            if (slot.Value.ValueKind == JsonValueKind.Array)
                foreach (var e in slot.Value.EnumerateArray()) elements.Add(e);
            else elements.Add(slot.Value);
        }
        if (!found) return;
        elements.Sort(static (x, y) =>
        {
            int c = Compare(x, y);
            return c != 0 ? c : JsonMarshalRaw(x).SequenceCompareTo(JsonMarshalRaw(y));
        });
        writer.WritePropertyName(name);
        writer.WriteStartArray();
        for (int i = 0; i < elements.Count; i++)
        {
            // Sorted by (collation, text): the first of each collation-equal run is the one with the least text.
            if (i > 0 && Compare(elements[i], elements[i - 1]) == 0) continue;
            writer.WriteRawValue(JsonMarshalRaw(elements[i]), skipInputValidation: true);
        }
        writer.WriteEndArray();
    }

    private static bool TryWriteCounter(Utf8JsonWriter writer, string name, Slot[] slots, Slot ancestor)
    {
        bool any = false;
        foreach (var slot in slots) any |= slot.Has;
        if (!any) return true; // no leaf has it: missing
        if (!TryNumber(ancestor, out long ancestorLong, out double ancestorDouble, out bool integral)) return false;
        long sumLong = ancestorLong;
        double sumDouble = ancestorDouble;
        bool overflow = false;
        foreach (var slot in slots)
        {
            if (!TryNumber(slot, out long l, out double d, out bool isInt)) return false;
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

    /// <summary>The value as a number (missing: 0); false for a present non-number.</summary>
    private static bool TryNumber(Slot slot, out long asLong, out double asDouble, out bool integral)
    {
        asLong = 0;
        asDouble = 0;
        integral = true;
        if (!slot.Has) return true;
        if (slot.Value.ValueKind != JsonValueKind.Number) return false;
        asDouble = slot.Value.GetDouble();
        integral = slot.Value.TryGetInt64(out asLong);
        if (!integral) asLong = 0;
        return double.IsFinite(asDouble);
    }

    /// <summary>The §7 collation (<see cref="Collation.Compare"/>) on parsed elements without building nodes: type rank,
    /// then numbers by value, strings ordinally (UTF-16), arrays element by element; objects through the node form.</summary>
    internal static int Compare(JsonElement a, JsonElement b)
    {
        int ra = Rank(a), rb = Rank(b);
        if (ra != rb) return ra < rb ? -1 : 1;
        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
            {
                double x = a.GetDouble(), y = b.GetDouble();
                return x < y ? -1 : x > y ? 1 : 0;
            }
            case JsonValueKind.String:
                if (JsonMarshalRaw(a).SequenceEqual(JsonMarshalRaw(b))) return 0;
                return Math.Sign(string.CompareOrdinal(a.GetString(), b.GetString()));
            case JsonValueKind.Array:
            {
                var x = a.EnumerateArray();
                var y = b.EnumerateArray();
                while (true)
                {
                    bool hx = x.MoveNext(), hy = y.MoveNext();
                    if (!hx || !hy) return hx == hy ? 0 : hx ? 1 : -1;
                    int c = Compare(x.Current, y.Current);
                    if (c != 0) return c;
                }
            }
            case JsonValueKind.Object:
                return Collation.Compare(NodeOf(a), NodeOf(b));
            default:
                return 0; // null, false, true: the rank is the value
        }
    }

    private static int Rank(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => CollationKey.Null,
        JsonValueKind.False => CollationKey.False,
        JsonValueKind.True => CollationKey.True,
        JsonValueKind.Number => CollationKey.Number,
        JsonValueKind.String => CollationKey.String,
        JsonValueKind.Array => CollationKey.Array,
        _ => CollationKey.Object,
    };

    private static JsonNode? NodeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(value),
        JsonValueKind.Array => JsonArray.Create(value),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(value),
    };
}
