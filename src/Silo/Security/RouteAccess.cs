namespace MyNoSql.Silo.Security;

/// <summary>What a route needs when authentication is on.</summary>
/// <param name="Right">The right needed; null = any valid key (or none at all when <paramref name="Open"/>).</param>
/// <param name="Database">The database the right applies to; null = any database the key covers.</param>
/// <param name="Open">Served without a key (<c>/healthz</c> only).</param>
internal sealed record RouteAccess(AccessRight? Right, string? Database, bool Open = false)
{
    private static readonly RouteAccess OpenAccess = new(null, null, Open: true);
    private static readonly RouteAccess AnyKey = new(null, null);

    /// <summary>
    /// Maps a request onto its requirement: <c>/healthz</c> open; <c>/</c>, <c>/mirrors</c> and unknown routes any valid key
    /// (the mirror list reveals the topology; a 404 only after a valid key); <c>GET /db/{db}</c> (its counts) read;
    /// <c>/dbs</c> admin (it names every database); <c>/db/{db}/…</c> read for GET and for
    /// <c>POST sync/fetch</c>, <c>POST sync/att/missing</c> (attachment bodies, DESIGN §9: their <c>PUT</c>s are writes), <c>POST _changes</c> (a filtered feed), <c>POST _find</c> and <c>POST _explain</c> (queries only read), write for every other method
    /// (so <c>POST</c>/<c>DELETE _index</c>, which change the cluster-wide index catalog, need write; listing indexes is a GET: read;
    /// of DESIGN §8, <c>?rev=</c>, <c>_history</c> and <c>GET _merge_policy</c> read, while <c>PATCH</c>, <c>_undo</c>,
    /// <c>_redo</c>, <c>conflicts/{id}/_resolve</c> and <c>PUT _merge_policy</c> write; of DESIGN §9, <c>POST</c>/<c>PUT</c>/<c>DELETE _locks/{name}</c>
    /// and fenced saves write, so a read-only mirror refuses them); everything else (the <c>/_mirror/…</c> diagnostics and
    /// any route added later without a rule here) admin, so a new route is closed until it is classified.
    /// </summary>
    public static RouteAccess For(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint) return AnyKey;
        string pattern = endpoint.RoutePattern.RawText ?? "";
        if (pattern == "/healthz") return OpenAccess;
        if (pattern is "/mirrors" or "/") return AnyKey;
        string? db = context.GetRouteValue("db") as string;
        if (pattern == "/db/{db}" && db is not null && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
            return new RouteAccess(AccessRight.Read, db);
        if (pattern.StartsWith("/db/{db}/", StringComparison.Ordinal) && db is not null)
        {
            string method = context.Request.Method;
            bool reads = HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                || HttpMethods.IsPost(method) && pattern is "/db/{db}/sync/fetch" or "/db/{db}/_changes" or "/db/{db}/_find" or "/db/{db}/_explain"
                    or "/db/{db}/sync/att/missing";
            return new RouteAccess(reads ? AccessRight.Read : AccessRight.Write, db);
        }
        if (pattern.StartsWith("/couch", StringComparison.Ordinal)) return Couch(context, pattern, db);
        return new RouteAccess(AccessRight.Admin, db);
    }

    /// <summary>
    /// The CouchDB protocol (src/Silo/Couch): <c>/couch/</c> any valid key; on <c>/couch/{db}…</c> read for GET/HEAD and for
    /// the POSTs that only read (<c>_changes</c>, <c>_revs_diff</c>, <c>_bulk_get</c>, <c>_all_docs</c>,
    /// <c>_ensure_full_commit</c>), admin for <c>DELETE /couch/{db}</c> and <c>/couch/{db}/</c> (a drop, as <c>DELETE /db/{db}</c>),
    /// write for every other method (documents, <c>_bulk_docs</c>, <c>_local</c> checkpoints, PUT of a database).
    /// </summary>
    private static RouteAccess Couch(HttpContext context, string pattern, string? db)
    {
        if (db is null) return AnyKey;
        string method = context.Request.Method;
        // DELETE /couch/{db} and /couch/{db}/ drop the database: the native DELETE /db/{db}'s admin right.
        if (HttpMethods.IsDelete(method) && (pattern == "/couch/{db}"
            || pattern == "/couch/{db}/{**rest}" && string.IsNullOrEmpty(context.GetRouteValue("rest") as string)))
            return new RouteAccess(AccessRight.Admin, db);
        bool reads = HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
            || HttpMethods.IsPost(method) && pattern is "/couch/{db}/_changes" or "/couch/{db}/_revs_diff" or "/couch/{db}/_bulk_get"
                or "/couch/{db}/_all_docs" or "/couch/{db}/_ensure_full_commit";
        return new RouteAccess(reads ? AccessRight.Read : AccessRight.Write, db);
    }

    /// <summary>Names the requirement in a 403 reason.</summary>
    public override string ToString() => Right switch
    {
        null => "a valid key",
        AccessRight r when Database is not null => $"{r.ToString().ToLowerInvariant()} rights on database '{Database}'",
        AccessRight r => $"{r.ToString().ToLowerInvariant()} rights",
    };
}
