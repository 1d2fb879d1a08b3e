using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using MyNoSql.Bench.Engines;

namespace MyNoSql.Bench;

/// <summary>
/// SQLite: the bench's <c>docs(id, body)</c> table with an expression index on
/// <c>(json_extract(body,'$.type'), json_extract(body,'$.date'))</c>; queries spell the same expressions so the planner
/// uses it for the equality, the range and the descending order (no temp b-tree). Queries run on one connection of
/// their own with prepared statements; each body is parsed to a JsonObject.
/// </summary>
internal sealed class QuerySqlite(IBenchEngine store, SqliteConnection connection) : QueryTarget(store)
{
    private const string Type = "json_extract(body,'$.type')", Date = "json_extract(body,'$.date')", Customer = "json_extract(body,'$.customer')";
    private const string TypeDateIndexSql = "idx_type_date";
    private const string RecentSql = $"SELECT body FROM docs WHERE {Type} = $type AND {Date} >= $since ORDER BY {Date} DESC LIMIT $limit";
    private SqliteCommand? _recent, _count, _scan;

    public static async Task<QueryTarget> OpenAsync(string dir, bool durable)
    {
        var store = await SqliteEngine.OpenAsync(dir, durable);
        var connection = new SqliteConnection(SqliteEngine.ConnectionStringFor(dir));
        await connection.OpenAsync();
        await SqliteEngine.Exec(connection, durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        return new QuerySqlite(store, connection);
    }

    public override async Task CreateTypeDateIndexAsync()
    {
        long pagesBefore = await ScalarAsync("PRAGMA page_count");
        await SqliteEngine.Exec(connection, $"CREATE INDEX {TypeDateIndexSql} ON docs({Type}, {Date})");
        try
        {
            // dbstat counts exactly the index's pages; it is an optional SQLite feature.
            TypeDateIndexBytes = await ScalarAsync($"SELECT SUM(pgsize) FROM dbstat WHERE name='{TypeDateIndexSql}'");
            TypeDateIndexBytesHow = "dbstat: SUM(pgsize) of the index's pages";
        }
        catch (SqliteException)
        {
            TypeDateIndexBytes = (await ScalarAsync("PRAGMA page_count") - pagesBefore) * await ScalarAsync("PRAGMA page_size");
            TypeDateIndexBytesHow = "page_count growth over CREATE INDEX (dbstat unavailable)";
        }
    }

    public override Task CreateCustomerIndexAsync() => SqliteEngine.Exec(connection, $"CREATE INDEX idx_customer ON docs({Customer})");

    public override Task<IReadOnlyList<JsonObject>> RecentAsync(string type, string since, int limit)
    {
        _recent ??= Prepare(RecentSql, "$type", "$since", "$limit");
        return Task.FromResult<IReadOnlyList<JsonObject>>(Bodies(_recent, type, since, limit));
    }

    public override Task<long> CountTypeAsync(string type)
    {
        _count ??= Prepare($"SELECT COUNT(*) FROM docs WHERE {Type} = $type", "$type");
        _count.Parameters[0].Value = type;
        return Task.FromResult((long)_count.ExecuteScalar()!);
    }

    public override Task<IReadOnlyList<JsonObject>> ScanCustomerAsync(string customer, int limit)
    {
        _scan ??= Prepare($"SELECT body FROM docs WHERE {Customer} = $customer LIMIT $limit", "$customer", "$limit");
        return Task.FromResult<IReadOnlyList<JsonObject>>(Bodies(_scan, customer, limit));
    }

    public override async Task<string> PlanAsync(string type, string since)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + RecentSql;
        cmd.Parameters.AddWithValue("$type", type);
        cmd.Parameters.AddWithValue("$since", since);
        cmd.Parameters.AddWithValue("$limit", 100);
        var plan = new StringBuilder();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) plan.Append(plan.Length == 0 ? "" : "; ").Append(reader.GetString(3));
        return plan.ToString();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(p, p == "$limit" ? SqliteType.Integer : SqliteType.Text);
        cmd.Prepare();
        return cmd;
    }

    private static List<JsonObject> Bodies(SqliteCommand cmd, params object[] values)
    {
        for (int i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
        var docs = new List<JsonObject>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) docs.Add(JsonNode.Parse(reader.GetString(0))!.AsObject());
        return docs;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var cmd in new[] { _recent, _count, _scan }) if (cmd is not null) await cmd.DisposeAsync();
        await connection.DisposeAsync();
        await base.DisposeAsync();
    }
}
