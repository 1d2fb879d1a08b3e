namespace MyNoSql;

/// <summary>A patch that is not a well-formed RFC 7396 merge patch or RFC 6902 JSON Patch, or a JSON Patch operation
/// that cannot apply (a path that does not exist, an index out of range). HTTP 400 <c>bad_patch</c>. Nothing was written.</summary>
public sealed class InvalidPatchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong, naming the operation index and path where there is one.</param>
    public InvalidPatchException(string message) : base(message, "patch")
    {
    }
}
