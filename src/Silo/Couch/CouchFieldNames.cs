namespace MyNoSql.Silo.Couch;

/// <summary>
/// The reversible escape of top-level field names between our records and CouchDB documents (README "Mapping").
/// CouchDB reserves names starting with <c>_</c> and lets users have <c>id</c> and <c>rev</c>; our records reserve
/// <c>id</c> and <c>rev</c> and let users have <c>_</c> names. A name is <c>~</c>×k then a base that does not start with
/// <c>~</c>: a base <c>id</c>/<c>rev</c> has one <c>~</c> more in the record than in the document (document <c>id</c> ⇄
/// record <c>~id</c>, <c>~id</c> ⇄ <c>~~id</c>), a base starting with <c>_</c> (other than <c>_attachments</c>) one
/// <c>~</c> less (record <c>_foo</c> ⇄ document <c>~_foo</c>, <c>~_foo</c> ⇄ <c>~~_foo</c>); every other name is itself.
/// Both directions are one-to-one, so a document and a record round-trip exactly and never get duplicate keys.
/// </summary>
internal static class CouchFieldNames
{
    /// <summary>The document's name for a record field (not <c>id</c>/<c>rev</c>, which the record's body never holds).</summary>
    public static string ToCouch(string name) => KindOf(name) switch
    {
        Kind.IdOrRev when name[0] == '~' => name[1..],
        Kind.Underscore => "~" + name,
        _ => name,
    };

    /// <summary>The record's name for a document field (not a CouchDB special <c>_</c> field, which the caller handles).</summary>
    public static string ToNative(string name) => KindOf(name) switch
    {
        Kind.IdOrRev => "~" + name,
        Kind.Underscore when name[0] == '~' => name[1..],
        _ => name,
    };

    private enum Kind { Plain, IdOrRev, Underscore }

    private static Kind KindOf(string name)
    {
        if (name.Length == 0 || name[0] is not ('~' or '_' or 'i' or 'r')) return Kind.Plain;
        var b = name.AsSpan().TrimStart('~');
        if (b is "id" or "rev") return Kind.IdOrRev;
        return b.Length > 0 && b[0] == '_' && b is not "_attachments" ? Kind.Underscore : Kind.Plain;
    }
}
