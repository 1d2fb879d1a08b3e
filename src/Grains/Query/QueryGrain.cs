using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;
using Orleans.Concurrency;

namespace MyNoSql.Grains.Query;

/// <summary>
/// <see cref="IQueryGrain"/>: a stateless worker, so it runs on the silo that received the call (an external client's
/// gateway silo) and answers from that silo's own copy through <see cref="MirrorQueries"/>.
/// </summary>
[StatelessWorker]
internal sealed class QueryGrain(MirrorQueries queries) : Grain, IQueryGrain
{
    public async Task<QueryReply> Find(byte[] query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        string database = this.GetPrimaryKeyString();
        if (!DatabaseName.IsValid(database)) return new QueryReply(null, $"Invalid database name '{database}'.");
        if (!queries.Enabled) throw new InvalidOperationException($"Database '{database}': queries need the mirrors' own stores (--storage lzma-shards).");
        JsonObject body;
        try
        {
            if (JsonNode.Parse(query) is not JsonObject parsed) return new QueryReply(null, "The query must be a JSON object.");
            body = parsed;
        }
        catch (JsonException e)
        {
            return new QueryReply(null, $"The query is not valid JSON: {e.Message}");
        }
        try
        {
            var result = await queries.FindAsync(database, MangoQuery.Parse(body), cancellationToken);
            return new QueryReply(MirrorQueries.ToJson(result));
        }
        catch (ArgumentException e)
        {
            return new QueryReply(null, e.Message);
        }
    }
}
