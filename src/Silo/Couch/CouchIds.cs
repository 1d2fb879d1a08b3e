namespace MyNoSql.Silo.Couch;

/// <summary>
/// Record ids CouchDB reserves: those starting with <c>_</c> (<c>_design/…</c>, <c>_local/…</c>, any other). A record
/// made natively with such an id is not served through /couch (README "Ids starting with <c>_</c>"): PouchDB aborts a
/// whole pull on one, or takes it for a design document.
/// </summary>
internal static class CouchIds
{
    /// <summary>CouchDB's reason for refusing such an id.</summary>
    public const string ReservedReason = "Only reserved document ids may start with underscore.";

    /// <summary>True for an id /couch never serves as a document.</summary>
    public static bool IsHidden(string id) => id.StartsWith('_');
}
