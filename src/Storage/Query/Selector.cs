using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>
/// A parsed Mango selector (DESIGN §7): a tree of conditions on field paths, evaluated against a document.
/// Semantics (CouchDB Mango's): implicit <c>$eq</c> and <c>$and</c>; a nested object is a field path
/// (<c>{"a":{"b":1}}</c> is <c>a.b == 1</c>; an empty object <c>{"a":{}}</c> is <c>a == {}</c>); comparisons and
/// ranges use the §7 collation across types; a missing field matches only <c>$exists: false</c>, so <c>$ne</c>,
/// <c>$nin</c>, <c>$not</c> and <c>$nor</c> do not match documents without the field; <c>$or: []</c> matches nothing,
/// <c>$and: []</c> and <c>{}</c> everything. Operator details are on each node type (<see cref="InSelector"/>,
/// <see cref="ModSelector"/>, <see cref="RegexSelector"/>, <see cref="ArrayMatchSelector"/>, ...).
/// </summary>
internal abstract class Selector
{
    /// <summary>Parses a Mango selector object.</summary>
    /// <exception cref="ArgumentException">The selector is malformed (a <see cref="BadQueryException"/> naming the part that is wrong).</exception>
    public static Selector Parse(JsonObject selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return SelectorParser.Parse(selector, "selector");
    }

    /// <summary>Whether <paramref name="document"/> (the user's JSON, with <c>id</c> and <c>rev</c>) matches.</summary>
    public abstract bool Matches(JsonObject document);
}
