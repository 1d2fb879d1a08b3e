using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Gateway;

/// <summary>The gateway's view of a request's JSON object: split into the reserved keys and the content a record grain stores.</summary>
/// <param name="Id">The given <c>id</c>, or null when missing.</param>
/// <param name="Rev">The given <c>rev</c> text ("" when present but not a string), or null when missing.</param>
/// <param name="Body">UTF-8 JSON of the object without <c>id</c> and <c>rev</c>.</param>
internal sealed record DocumentRequest(string? Id, string? Rev, byte[] Body)
{
    /// <summary>Splits <paramref name="document"/> with the same rules as the peer engine.</summary>
    /// <exception cref="ArgumentException">Invalid id, too deep, or content larger than <paramref name="maxDocumentSize"/>.</exception>
    public static DocumentRequest Parse(JsonObject document, int maxDocumentSize)
    {
        var parsed = DocumentCodec.Parse(document, maxDocumentSize);
        return new DocumentRequest(parsed.Id, parsed.Rev, parsed.Body);
    }

    /// <summary>Nesting accepted in a document.</summary>
    public const int MaxDepth = DocumentCodec.MaxDepth;

    /// <summary>A new time-ordered id.</summary>
    public static string NewId() => DocumentId.NewId();
}
