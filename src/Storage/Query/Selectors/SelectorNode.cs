using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// A node of a parsed selector. Nodes are evaluated against a context value: the document at the top, an array
/// element inside <c>$elemMatch</c>/<c>$allMatch</c>. Negations are pushed down to the leaves when parsing (as CouchDB
/// normalises), so the planner sees <c>$not: {$lt: 5}</c> as <c>$gte: 5</c>. Nodes are immutable and thread-safe.
/// </summary>
internal abstract class SelectorNode : Selector
{
    public sealed override bool Matches(JsonObject document) => Test(document);

    /// <summary>Whether the (present) context value matches.</summary>
    public abstract bool Test(JsonNode? value);

    /// <summary>The logical negation, pushed as far down as possible (De Morgan, inverse operators).</summary>
    public abstract SelectorNode Negate();

    /// <summary>The normalised selector as Mango JSON (for explain and the bookmark fingerprint).</summary>
    public abstract JsonObject ToJson();
}
