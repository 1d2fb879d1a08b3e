using System.Text.Json.Nodes;

namespace MyNoSql.Storage.Query;

/// <summary>A parsed Mango selector (DESIGN §7): a tree of conditions on field paths, evaluated against a document.</summary>
internal abstract class Selector
{
    /// <summary>Parses a Mango selector object.</summary>
    /// <exception cref="ArgumentException">The selector is malformed; the message names the part that is wrong.</exception>
    public static Selector Parse(JsonObject selector) => throw new NotImplementedException("Selector.Parse: the query engine is being built.");

    /// <summary>Whether <paramref name="document"/> (the user's JSON, with <c>id</c> and <c>rev</c>) matches.</summary>
    public abstract bool Matches(JsonObject document);
}
