namespace MyNoSql.Storage.Query;

/// <summary>
/// How a query runs: through <see cref="Index"/> over the union of <see cref="Ranges"/> (merged in (key, id) order),
/// or, when <see cref="Index"/> is null, over every live id in ordinal order. <see cref="SortServed"/>: that order
/// already satisfies the requested sort (then the executor streams and stops at the limit); otherwise matches are
/// sorted in memory.
/// </summary>
internal sealed record QueryPlan
{
    public ISecondaryIndex? Index { get; init; }

    public IReadOnlyList<KeyRange> Ranges { get; init; } = [];

    /// <summary>One readable line per range (for explain).</summary>
    public IReadOnlyList<string> RangeDescriptions { get; init; } = [];

    public bool SortServed { get; init; }

    /// <summary>Scan the index backwards.</summary>
    public bool Descending { get; init; }

    /// <summary>Leading index fields pinned by equality (or <c>$in</c>) in every branch.</summary>
    public int EqualityFields { get; init; }

    /// <summary>Every branch bounds the index field after its equality prefix.</summary>
    public bool HasRange { get; init; }

    /// <summary>The ranges leave out part of the index (not a full index scan).</summary>
    public bool Narrows { get; init; }

    /// <summary>
    /// A document whose current key lies in <see cref="Ranges"/> matches the selector and no other does (the selector is
    /// only equalities and bounds on the fields the ranges cover), so a candidate read at its entry's version needs no
    /// re-check, and a count needs no read.
    /// </summary>
    public bool Exact { get; init; }

    /// <summary>Set when no index served the query or <c>use_index</c> was ignored.</summary>
    public string? Warning { get; init; }

    public bool FullScan => Index is null;
}
