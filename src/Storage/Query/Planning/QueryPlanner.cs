using System.Buffers;
using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// Chooses how to run a query. For each index: an equality prefix over its leading fields (<c>$eq</c>, implicit
/// equality, <c>$in</c> as a set of points), then one bounded field (<c>$gt $gte $lt $lte</c>, bounds combined), per
/// branch of an <c>$or</c>; then whether the index order serves the sort (sort fields, less those pinned to one value,
/// equal a prefix of the index fields less those pinned, in one direction). The best index has the most equality
/// fields, then a range, then serves the sort (then fewer ranges, fewer fields, name). An index that narrows nothing
/// can still serve a sort (every live document has an entry). Otherwise: a full scan, with a warning.
/// </summary>
internal static class QueryPlanner
{
    // $in products beyond this stop extending the equality prefix (the rest is filtered).
    private const int MaxRanges = 256;

    /// <summary>The plan for <paramref name="selector"/> ordered by <paramref name="sort"/>.</summary>
    public static QueryPlan Plan(IQuerySource source, Selector selector, IReadOnlyList<SortField> sort, string? useIndex = null)
    {
        var branches = ConstraintExtractor.Branches(selector);
        var pinned = PinnedFields(branches);
        var candidates = new List<QueryPlan>(source.Indexes.Count);
        bool simple = IsSimpleConjunction(selector);
        foreach (var index in source.Indexes) candidates.Add(PlanIndex(index, branches, sort, pinned, simple));

        string? warning = null;
        if (useIndex is not null)
        {
            var asked = candidates.Find(c => c.Index!.Definition.Name == useIndex);
            if (asked is not null && (asked.Narrows || (sort.Count > 0 && asked.SortServed))) return asked;
            warning = asked is null
                ? $"use_index '{useIndex}' was ignored: there is no such index."
                : $"use_index '{useIndex}' was ignored: it neither narrows nor orders this query.";
        }

        QueryPlan? best = null;
        foreach (var c in candidates)
            if (c.Narrows && (best is null || Better(c, best, sort.Count > 0))) best = c;
        var remainingSort = Unpinned(sort, pinned);
        if (best is null && remainingSort.Count > 0)
            foreach (var c in candidates)
                if (c.SortServed && (best is null || Better(c, best, true))) best = c;
        if (best is not null) return warning is null ? best : best with { Warning = warning };

        return new QueryPlan
        {
            Ranges = [],
            RangeDescriptions = [],
            SortServed = remainingSort.Count == 0, // ids ordinal: serves no sort, or a sort on pinned fields only
            Warning = warning is null ? FullScanWarning(branches, sort) : $"{warning} {FullScanWarning(branches, sort)}",
        };
    }

    private static bool Better(QueryPlan a, QueryPlan b, bool sorted)
    {
        if (a.Narrows != b.Narrows) return a.Narrows;
        if (a.EqualityFields != b.EqualityFields) return a.EqualityFields > b.EqualityFields;
        if (a.HasRange != b.HasRange) return a.HasRange;
        if (sorted && a.SortServed != b.SortServed) return a.SortServed;
        if (a.Ranges.Count != b.Ranges.Count) return a.Ranges.Count < b.Ranges.Count;
        int fa = a.Index!.Definition.Fields.Count, fb = b.Index!.Definition.Fields.Count;
        if (fa != fb) return fa < fb;
        return string.CompareOrdinal(a.Index.Definition.Name, b.Index.Definition.Name) < 0;
    }

    private static QueryPlan PlanIndex(ISecondaryIndex index, List<Dictionary<FieldPath, FieldConstraint>> branches, IReadOnlyList<SortField> sort, HashSet<FieldPath> pinned, bool simple)
    {
        var paths = index.Definition.Paths;
        var ranges = new List<KeyRange>();
        var texts = new List<string>();
        int minEquality = branches.Count == 0 ? 0 : int.MaxValue;
        bool allRange = branches.Count > 0, narrows = true;
        // Exact: one branch whose every constrained field became part of the ranges.
        bool exact = simple && branches.Count == 1;
        foreach (var branch in branches)
        {
            int equality = AddRanges(paths, branch, ranges, texts, out bool hasRange);
            minEquality = Math.Min(minEquality, equality);
            allRange &= hasRange;
            if (equality == 0 && !hasRange) narrows = false;
            exact &= branch.Count == equality + (hasRange ? 1 : 0);
        }
        if (!narrows)
        {
            ranges = [KeyRange.All];
            texts = ["all keys"];
            minEquality = 0;
            allRange = false;
        }
        bool served = ServesSort(paths, sort, pinned, out bool descending);
        return new QueryPlan
        {
            Index = index,
            Ranges = ranges,
            RangeDescriptions = texts,
            SortServed = served,
            Descending = descending,
            EqualityFields = minEquality,
            HasRange = allRange,
            Narrows = narrows,
            Exact = exact && narrows,
        };
    }

    /// <summary>
    /// The selector is an and of <c>$eq $gt $gte $lt $lte</c> on scalars, a field never both pinned and bounded nor
    /// pinned twice: then its one branch says all it requires (the collation of keys agrees with <see cref="Collation"/>).
    /// </summary>
    private static bool IsSimpleConjunction(Selector selector)
    {
        var leaves = new List<SelectorNode>();
        if (!Flatten(selector, leaves) || leaves.Count == 0) return false;
        var equal = new HashSet<FieldPath>();
        var bounded = new HashSet<FieldPath>();
        foreach (var child in leaves)
        {
            if (child is not FieldSelector { Condition: CompareSelector { Op: not CompareOp.Ne } compare } field
                || compare.Operand is JsonObject or JsonArray)
                return false;
            if (compare.Op == CompareOp.Eq)
            {
                if (!equal.Add(field.Path) || bounded.Contains(field.Path)) return false;
            }
            else
            {
                if (equal.Contains(field.Path)) return false;
                bounded.Add(field.Path);
            }
        }
        return true;

        // Nested ands (a field with two operators parses as one) are one conjunction.
        static bool Flatten(Selector node, List<SelectorNode> into)
        {
            if (node is not SelectorNode leaf) return false;
            if (leaf is not AndSelector and)
            {
                into.Add(leaf);
                return true;
            }
            foreach (var child in and.Children)
                if (!Flatten(child, into)) return false;
            return true;
        }
    }

    /// <summary>Adds the key ranges of one branch on an index; returns how many leading fields are pinned.</summary>
    private static int AddRanges(IReadOnlyList<FieldPath> paths, Dictionary<FieldPath, FieldConstraint> branch, List<KeyRange> ranges, List<string> texts, out bool hasRange)
    {
        // A prefix is "open" when it ends inside a field ($in's array case): no later field can be appended.
        List<(byte[] Bytes, bool Open, string Text)> prefixes = [([], false, "")];
        hasRange = false;
        int equality = 0;
        for (; equality < paths.Count; equality++)
        {
            var path = paths[equality];
            if (!branch.TryGetValue(path, out var c)) break;
            if (c.Equal is { } values)
            {
                int width = values.Length + (c.FromIn ? 1 : 0);
                if (prefixes.Count * width > MaxRanges) break;
                var next = new List<(byte[], bool, string)>(prefixes.Count * width);
                foreach (var p in prefixes)
                {
                    if (p.Open)
                    {
                        next.Add(p);
                        continue;
                    }
                    foreach (var v in values)
                        next.Add((Concat(p.Bytes, v), false, Join(p.Text, $"{path} = {Show(v)}")));
                    if (c.FromIn) next.Add(([.. p.Bytes, CollationKey.Array], true, Join(p.Text, $"{path} is an array")));
                }
                prefixes = next;
                continue;
            }
            if (c.HasLow || c.HasHigh)
            {
                hasRange = true;
                foreach (var p in prefixes)
                {
                    if (p.Open) AddPrefix(p.Bytes, p.Text, ranges, texts);
                    else
                    {
                        ranges.Add(Bounded(p.Bytes, c));
                        texts.Add(Join(p.Text, $"{path}{(c.HasLow ? $" {(c.LowInclusive ? ">=" : ">")} {Show(c.Low)}" : " present")}{(c.HasHigh ? $" {(c.HighInclusive ? "<=" : "<")} {Show(c.High)}" : "")}"));
                    }
                }
                return equality;
            }
            break;
        }
        foreach (var p in prefixes) AddPrefix(p.Bytes, p.Text, ranges, texts);
        return equality;
    }

    private static void AddPrefix(byte[] prefix, string text, List<KeyRange> ranges, List<string> texts)
    {
        ranges.Add(prefix.Length == 0 ? KeyRange.All : KeyRange.Prefix(prefix));
        texts.Add(text.Length == 0 ? "all keys" : text);
    }

    // Bounds on the field after the prefix. Self-delimiting encodings make "starts with prefix+enc(v)" mean "field == v".
    // Without a low bound the low is the Missing tag, excluded: a missing field never matches a range.
    private static KeyRange Bounded(byte[] prefix, FieldConstraint c)
    {
        byte[] low = c.HasLow ? Concat(prefix, c.Low) : [.. prefix, CollationKey.Missing];
        bool lowInclusive = c.HasLow && c.LowInclusive;
        byte[]? high = c.HasHigh ? Concat(prefix, c.High) : prefix.Length == 0 ? null : prefix;
        bool highInclusive = !c.HasHigh || c.HighInclusive;
        return new KeyRange(low, lowInclusive, high, highInclusive);
    }

    private static byte[] Concat(byte[] prefix, JsonNode? value)
    {
        var buffer = new ArrayBufferWriter<byte>(prefix.Length + 16);
        buffer.Write(prefix);
        CollationKey.Append(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    private static bool ServesSort(IReadOnlyList<FieldPath> paths, IReadOnlyList<SortField> sort, HashSet<FieldPath> pinned, out bool descending)
    {
        descending = false;
        var remaining = Unpinned(sort, pinned);
        if (remaining.Count == 0) return true;
        descending = remaining[0].Descending;
        int j = 0;
        for (int i = 0; i < paths.Count && j < remaining.Count; i++)
        {
            if (pinned.Contains(paths[i])) continue;
            if (!paths[i].Equals(remaining[j].Path) || remaining[j].Descending != descending) return false;
            j++;
        }
        return j == remaining.Count;
    }

    private static List<SortField> Unpinned(IReadOnlyList<SortField> sort, HashSet<FieldPath> pinned)
    {
        var remaining = new List<SortField>(sort.Count);
        foreach (var s in sort)
            if (!pinned.Contains(s.Path)) remaining.Add(s);
        return remaining;
    }

    /// <summary>Fields equal to one and the same value in every branch: constant over all matches.</summary>
    private static HashSet<FieldPath> PinnedFields(List<Dictionary<FieldPath, FieldConstraint>> branches)
    {
        var pinned = new HashSet<FieldPath>();
        if (branches.Count == 0) return pinned;
        foreach (var (path, c) in branches[0])
        {
            if (!c.IsSingleEqual) continue;
            bool everywhere = true;
            for (int i = 1; i < branches.Count && everywhere; i++)
                everywhere = branches[i].TryGetValue(path, out var other) && other.IsSingleEqual && Collation.Equal(other.Equal![0], c.Equal![0]);
            if (everywhere) pinned.Add(path);
        }
        return pinned;
    }

    private static string FullScanWarning(List<Dictionary<FieldPath, FieldConstraint>> branches, IReadOnlyList<SortField> sort)
    {
        var fields = new List<string>();
        if (branches.Count > 0)
        {
            foreach (var (path, c) in branches[0])
                if (c.Equal is not null && !fields.Contains(path.Text)) fields.Add(path.Text);
            foreach (var (path, c) in branches[0])
                if (c.Equal is null && !fields.Contains(path.Text)) fields.Add(path.Text);
        }
        foreach (var s in sort)
            if (!fields.Contains(s.Path.Text)) fields.Add(s.Path.Text);
        return fields.Count == 0
            ? "No index was used: the query scanned every document."
            : $"No index was used: the query scanned every document. Create an index on [{string.Join(", ", fields.ConvertAll(f => $"\"{f}\""))}] to serve it.";
    }

    private static string Join(string left, string right) => left.Length == 0 ? right : $"{left}, {right}";

    private static string Show(JsonNode? value) => value?.ToJsonString() ?? "null";
}
