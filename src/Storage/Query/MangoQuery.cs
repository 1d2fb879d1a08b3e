using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>A parsed Mango query (DESIGN §7): selector, sort, limit (default 25, max 10,000), skip, fields, bookmark.</summary>
internal sealed class MangoQuery
{
    public required Selector Selector { get; init; }

    public IReadOnlyList<SortField> Sort { get; init; } = [];

    /// <summary>Projected fields (id and rev always kept); null = the whole document.</summary>
    public IReadOnlyList<FieldPath>? Fields { get; init; }

    public int Limit { get; init; } = 25;

    public int Skip { get; init; }

    public string? Bookmark { get; init; }

    /// <summary>Parses a query object (<c>{"selector", "sort", "limit", "skip", "fields", "bookmark"}</c>).</summary>
    /// <exception cref="ArgumentException">The query is malformed; the message names the part that is wrong.</exception>
    public static MangoQuery Parse(JsonObject query) => throw new NotImplementedException("MangoQuery.Parse: the query engine is being built.");
}
