using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Grains.Query;

/// <summary>
/// Runs Mango queries (DESIGN §7) on this silo's own copy of a database: first the writes this gateway acknowledged
/// are brought in (<see cref="AcknowledgedWrites"/>), then the indexes are reconciled with the catalog when stale
/// (<see cref="MirrorIndexes"/>), then <see cref="QueryEngine"/> answers from the local store and indexes.
/// <para>Freshness: a query through a mirror reflects every write that mirror's gateway acknowledged before the query
/// began (read-your-writes through the same gateway), and every write replication or anti-entropy has delivered to it.</para>
/// </summary>
internal sealed class MirrorQueries(MirrorIndexes indexes, AcknowledgedWrites writes, IGrainFactory? grains = null,
    Placement.ReplicaSets? placement = null)
{
    /// <summary>False with shared storage (no local store): queries are not served.</summary>
    public bool Enabled => indexes.Enabled;

    /// <summary>One page of the answer.</summary>
    /// <exception cref="ArgumentException">The query is bad (e.g. a bookmark from another query).</exception>
    public async Task<QueryResult> FindAsync(string database, MangoQuery query, CancellationToken cancellationToken)
    {
        var source = await PrepareAsync(database, cancellationToken).ConfigureAwait(false);
        return await QueryEngine.FindAsync(source, query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The plan <see cref="FindAsync"/> would use.</summary>
    public async Task<JsonObject> ExplainAsync(string database, MangoQuery query, CancellationToken cancellationToken)
    {
        var source = await PrepareAsync(database, cancellationToken).ConfigureAwait(false);
        return QueryEngine.Explain(source, query);
    }

    /// <summary>The HTTP answer's JSON: <c>{"docs":[...],"bookmark":...,"index":...,"warning"?:...}</c>.</summary>
    public static byte[] ToJson(QueryResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("docs");
            foreach (var doc in result.Docs) doc.WriteTo(w);
            w.WriteEndArray();
            if (result.Bookmark is null) w.WriteNull("bookmark");
            else w.WriteString("bookmark", result.Bookmark);
            if (result.Index is null) w.WriteNull("index");
            else w.WriteString("index", result.Index);
            if (result.Warning is not null) w.WriteString("warning", result.Warning);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private async Task<IQuerySource> PrepareAsync(string database, CancellationToken cancellationToken)
    {
        // --replicas N over more than N mirrors: no silo holds the whole database (DESIGN §12); the record grains hold every
        // acknowledged revision, so there is nothing to catch up on here.
        if (placement is { Active: true } && grains is not null)
            return await Placement.ClusterQuerySource.LoadAsync(grains, database, cancellationToken).ConfigureAwait(false);
        await writes.CatchUpAsync(database, cancellationToken).ConfigureAwait(false);
        return await indexes.SourceAsync(database, cancellationToken).ConfigureAwait(false);
    }
}
