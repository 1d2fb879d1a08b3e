using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Query;

namespace MyNoSql;

public sealed partial class MyNoSqlDb
{
    // A typed query without a limit reads in pages of this size (the contract's default page, 25, is for callers who page).
    private const int TypedPageSize = 1000;

    // DESIGN §7 names FindAsync(query), FindAsync(query, FindScope.Mirrors) and FindAsync<T>(query); each keeps its optional token.
#pragma warning disable RS0026, RS0027
    /// <summary>
    /// Runs a Mango query (DESIGN §7: <c>selector</c>, <c>sort</c>, <c>limit</c> (default 25, at most 10,000),
    /// <c>skip</c>, <c>fields</c>, <c>bookmark</c>) and returns one page. Locally the planner uses the best index for the
    /// selector and sort (<see cref="CreateIndexAsync"/>) and otherwise scans every record, which answers correctly but
    /// says so in <see cref="FindResult.Warning"/>. The answer reflects every local write that returned before the call.
    /// In Peer mode the local answer covers only the records this peer holds; <see cref="FindScope.Mirrors"/> asks a
    /// mirror instead (the mirrors hold every record).
    /// </summary>
    /// <param name="query">The query object.</param>
    /// <param name="scope">Where to run it: this replica (default) or a mirror.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="ArgumentException">The query is malformed; the message names the part that is wrong.</exception>
    /// <exception cref="MyNoSqlException">With <see cref="FindScope.Mirrors"/>: no mirror is configured or none could be reached.</exception>
    public async Task<FindResult> FindAsync(JsonObject query, FindScope scope = FindScope.Local, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ThrowIfDisposed();
        if (scope == FindScope.Mirrors)
            return FromWire(await _sync.FindOnMirrorsAsync(query, cancellationToken).ConfigureAwait(false));
        if (scope != FindScope.Local) throw new ArgumentOutOfRangeException(nameof(scope), scope, "Use FindScope.Local or FindScope.Mirrors.");
        var result = await QueryEngine.FindAsync(_store.Indexes.QuerySource, MangoQuery.Parse(query), cancellationToken).ConfigureAwait(false);
        MyNoSqlMetrics.Queries.Add(1, MyNoSqlMetrics.Db(Name)); // a mirror counts the ones it answers for FindScope.Mirrors
        return new FindResult(result.Docs, result.Bookmark, result.Index, result.Warning);
    }

    /// <summary>
    /// Runs a Mango query and yields every matching document of every page as <typeparamref name="T"/>
    /// (System.Text.Json with <paramref name="options"/>, web defaults when null). The query's <c>limit</c>, when given, is the page size.
    /// </summary>
    /// <exception cref="ArgumentException">The query is malformed.</exception>
    /// <exception cref="JsonException">A document does not convert to <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Uses reflection-based System.Text.Json; pass a JsonTypeInfo<T> from a source-generated context to avoid it.")]
    [RequiresDynamicCode("Uses reflection-based System.Text.Json; pass a JsonTypeInfo<T> from a source-generated context to avoid it.")]
    public IAsyncEnumerable<T> FindAsync<T>(JsonObject query, JsonSerializerOptions? options = null, FindScope scope = FindScope.Local, CancellationToken cancellationToken = default)
    {
        var typeInfo = (JsonTypeInfo<T>)(options ?? JsonSerializerOptions.Web).GetTypeInfo(typeof(T));
        return FindAsync(query, typeInfo, scope, cancellationToken);
    }

    /// <summary>
    /// Runs a Mango query and yields every matching document of every page as <typeparamref name="T"/>, converted with
    /// <paramref name="typeInfo"/> (e.g. from a source-generated <c>JsonSerializerContext</c>). The query's <c>limit</c>,
    /// when given, is the page size.
    /// </summary>
    /// <exception cref="ArgumentException">The query is malformed.</exception>
    /// <exception cref="JsonException">A document does not convert to <typeparamref name="T"/>.</exception>
    public async IAsyncEnumerable<T> FindAsync<T>(JsonObject query, JsonTypeInfo<T> typeInfo, FindScope scope = FindScope.Local, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var page = query.DeepClone().AsObject();
        if (!page.ContainsKey("limit")) page["limit"] = TypedPageSize;
        while (true)
        {
            var result = await FindAsync(page, scope, cancellationToken).ConfigureAwait(false);
            foreach (var doc in result.Docs) yield return doc.Deserialize(typeInfo)!;
            if (result.Bookmark is null || result.Docs.Count == 0) yield break;
            page["bookmark"] = result.Bookmark;
            page.Remove("skip"); // skip applies to the first page only
        }
    }
#pragma warning restore RS0026, RS0027

    /// <summary>The number of live local documents matching a Mango <paramref name="selector"/> (using an index when one narrows it).</summary>
    /// <exception cref="ArgumentException">The selector is malformed; the message names the part that is wrong.</exception>
    public async Task<long> CountAsync(JsonObject selector, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ThrowIfDisposed();
        long count = await QueryEngine.CountAsync(_store.Indexes.QuerySource, Selector.Parse(selector), cancellationToken).ConfigureAwait(false);
        MyNoSqlMetrics.Queries.Add(1, MyNoSqlMetrics.Db(Name));
        return count;
    }

    /// <summary>The plan <see cref="FindAsync(JsonObject, FindScope, CancellationToken)"/> would use locally for
    /// <paramref name="query"/> (index, key ranges, whether the sort is served), as the mirrors' <c>_explain</c> gives it.</summary>
    /// <exception cref="ArgumentException">The query is malformed.</exception>
    public JsonObject Explain(JsonObject query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ThrowIfDisposed();
        return QueryEngine.Explain(_store.Indexes.QuerySource, MangoQuery.Parse(query));
    }

    private static FindResult FromWire(JsonObject answer)
    {
        var docs = answer["docs"] is JsonArray array ? array.Select(d => d!.AsObject().DeepClone().AsObject()).ToList() : [];
        return new FindResult(docs, (string?)answer["bookmark"], (string?)answer["index"], (string?)answer["warning"]);
    }
}
