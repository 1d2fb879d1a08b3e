namespace MyNoSql.Silo.Couch;

/// <summary>A request the CouchDB protocol refuses, with CouchDB's error code (<c>bad_request</c>, <c>doc_validation</c>…).</summary>
internal sealed class CouchRequestException(string error, string reason) : Exception(reason)
{
    /// <summary>CouchDB's <c>error</c> field.</summary>
    public string Error { get; } = error;
}
