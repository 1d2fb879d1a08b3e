namespace MyNoSql.Grains;

/// <summary>A CouchDB <c>_local</c> document: its revision (<c>"0-N"</c>) and content (UTF-8 JSON object without <c>_id</c>/<c>_rev</c>).</summary>
/// <param name="Rev">The revision.</param>
/// <param name="Body">The content.</param>
[GenerateSerializer, Immutable, Alias("mynosql.CouchLocalDoc")]
public sealed record CouchLocalDoc([property: Id(0)] string Rev, [property: Id(1)] byte[] Body);
