namespace MyNoSql.Storage.Query;

/// <summary>
/// A range of <see cref="CollationKey"/> encodings, compared as byte strings. A null bound is open. Because keys are
/// compound, a bound may be a prefix (the equality prefix of a query): use <see cref="LowIsPrefix"/> /
/// <see cref="HighIsPrefix"/> to say "every key starting with this prefix" is inside (high) or outside (low, exclusive).
/// </summary>
/// <param name="Low">Lower bound, or null.</param>
/// <param name="LowInclusive">Whether keys equal to <paramref name="Low"/> (or, with <paramref name="LowIsPrefix"/>, starting with it) are inside.</param>
/// <param name="High">Upper bound, or null.</param>
/// <param name="HighInclusive">Whether keys equal to <paramref name="High"/> (or, with <paramref name="HighIsPrefix"/>, starting with it) are inside.</param>
/// <param name="LowIsPrefix">The low bound is a prefix: it applies to every key that starts with it.</param>
/// <param name="HighIsPrefix">The high bound is a prefix: it applies to every key that starts with it.</param>
internal readonly record struct KeyRange(byte[]? Low, bool LowInclusive, byte[]? High, bool HighInclusive, bool LowIsPrefix = true, bool HighIsPrefix = true)
{
    /// <summary>Every key.</summary>
    public static KeyRange All => new(null, true, null, true);

    /// <summary>Every key starting with <paramref name="prefix"/>.</summary>
    public static KeyRange Prefix(byte[] prefix) => new(prefix, true, prefix, true);

    /// <summary>Whether <paramref name="key"/> is inside the range.</summary>
    public bool Contains(ReadOnlySpan<byte> key) => AboveLow(key) && BelowHigh(key);

    /// <summary>Whether <paramref name="key"/> satisfies the lower bound.</summary>
    public bool AboveLow(ReadOnlySpan<byte> key)
    {
        if (Low is null) return true;
        if (LowIsPrefix && key.StartsWith(Low)) return LowInclusive;
        return key.SequenceCompareTo(Low) > 0 || (LowInclusive && key.SequenceEqual(Low));
    }

    /// <summary>Whether <paramref name="key"/> satisfies the upper bound.</summary>
    public bool BelowHigh(ReadOnlySpan<byte> key)
    {
        if (High is null) return true;
        if (HighIsPrefix && key.StartsWith(High)) return HighInclusive;
        return key.SequenceCompareTo(High) < 0 || (HighInclusive && key.SequenceEqual(High));
    }
}
