namespace MyNoSql;

/// <summary>
/// A document (a record's JSON or a stored body) is malformed; <see cref="Part"/> names what is wrong. Nothing was
/// written. An <see cref="ArgumentException"/>, so callers that catch invalid arguments keep working.
/// </summary>
public sealed class DocumentFormatException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public DocumentFormatException(DocumentPart part, string message, string? paramName = null, Exception? innerException = null)
        : base(message, paramName, innerException)
    {
        Part = part;
    }

    /// <summary>The part of the document that is wrong.</summary>
    public DocumentPart Part { get; }
}
