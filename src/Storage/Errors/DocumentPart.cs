namespace MyNoSql;

/// <summary>The part of a document that <see cref="DocumentFormatException"/> found wrong.</summary>
public enum DocumentPart
{
    /// <summary>The bytes are not valid UTF-8.</summary>
    Encoding,
    /// <summary>The text is not JSON (syntax, duplicate keys, nesting deeper than the limit).</summary>
    Syntax,
    /// <summary>The JSON is not an object.</summary>
    Root,
    /// <summary>The <c>id</c> is not a valid record id.</summary>
    Id,
    /// <summary>The content cannot be stored: too large, too deep, or it carries the reserved keys.</summary>
    Content,
}
