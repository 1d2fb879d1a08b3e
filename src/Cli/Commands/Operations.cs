using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Cli.Clients;

namespace MyNoSql.Cli.Commands;

/// <summary>What the commands do, once for the command line and the shell: each takes its raw text argument(s),
/// writes results to stdout and returns the exit code (or throws).</summary>
internal sealed class Operations(IDatabaseClient client, CliConsole console, bool json)
{
    public IDatabaseClient Client => client;

    public async Task<int> PutAsync(string text, CancellationToken ct)
    {
        var record = ParseObject(text, "put: the record");
        var saved = await client.PutAsync(record, ct).ConfigureAwait(false);
        if (json) console.Out.WriteLine(Output.Line(saved));
        else console.Out.WriteLine($"saved {saved["id"]} {saved["rev"]}");
        return ExitCodes.Ok;
    }

    public async Task<int> GetAsync(string id, CancellationToken ct)
    {
        RequireId(id, "get");
        var doc = await client.GetAsync(id, ct).ConfigureAwait(false)
            ?? throw CliException.NotFound($"not found: record '{id}' in database '{client.Database}' ({client.Target})");
        Output.Write(console.Out, doc, json);
        return ExitCodes.Ok;
    }

    public async Task<int> DeleteAsync(string id, string rev, CancellationToken ct)
    {
        RequireId(id, "del");
        if (string.IsNullOrWhiteSpace(rev)) throw CliException.Usage("del: give the record's current rev after its id (del ID REV; get ID shows it).");
        string tombstone = await client.DeleteAsync(id, rev, ct).ConfigureAwait(false);
        if (json) console.Out.WriteLine(Output.Line(new JsonObject { ["id"] = id, ["rev"] = tombstone }));
        else console.Out.WriteLine($"deleted {id} {tombstone}");
        return ExitCodes.Ok;
    }

    public async Task<int> ListAsync(string prefix, CancellationToken ct)
    {
        if (json)
        {
            var ids = new JsonArray();
            await foreach (string id in client.ListAsync(prefix, ct).ConfigureAwait(false)) ids.Add(id);
            console.Out.WriteLine(Output.Line(new JsonObject { ["ids"] = ids }));
        }
        else
        {
            await foreach (string id in client.ListAsync(prefix, ct).ConfigureAwait(false)) console.Out.WriteLine(id);
        }
        return ExitCodes.Ok;
    }

    public async Task<int> FindAsync(string text, CancellationToken ct)
    {
        var query = ParseObject(text, "find: the query");
        if (!query.ContainsKey("selector")) query = new JsonObject { ["selector"] = query }; // a bare selector is a query
        var found = await client.FindAsync(query, ct).ConfigureAwait(false);
        if (json)
        {
            var docs = new JsonArray();
            foreach (var d in found.Docs) docs.Add(d.DeepClone());
            console.Out.WriteLine(Output.Line(new JsonObject { ["docs"] = docs, ["bookmark"] = found.Bookmark }));
            return ExitCodes.Ok;
        }
        foreach (var d in found.Docs) console.Out.WriteLine(Output.Line(d));
        if (found.Warning is not null) console.Error.WriteLine($"warning: {found.Warning}");
        if (found.Bookmark is not null && found.Docs.Count > 0)
            console.Error.WriteLine($"more: add \"bookmark\":\"{found.Bookmark}\" to the query for the next page");
        return ExitCodes.Ok;
    }

    public async Task<int> HistoryAsync(string id, CancellationToken ct)
    {
        RequireId(id, "history");
        var history = await client.HistoryAsync(id, ct).ConfigureAwait(false);
        if (history.Count == 0) throw CliException.NotFound($"not found: record '{id}' in database '{client.Database}' ({client.Target})");
        if (json)
        {
            var items = new JsonArray();
            foreach (var h in history)
                items.Add(new JsonObject { ["rev"] = h.Rev, ["deleted"] = h.Deleted, ["saved_at"] = h.SavedAt?.ToString("O"), ["has_body"] = h.HasBody });
            console.Out.WriteLine(Output.Line(new JsonObject { ["id"] = id, ["history"] = items }));
        }
        else
        {
            foreach (var h in history)
                console.Out.WriteLine($"{h.Rev}  {h.SavedAt?.ToString("u") ?? "-",-20}  {(h.Deleted ? "deleted" : h.HasBody ? "body kept" : "no body")}");
        }
        return ExitCodes.Ok;
    }

    public async Task<int> UndoRedoAsync(string id, bool redo, CancellationToken ct)
    {
        RequireId(id, redo ? "redo" : "undo");
        JsonObject saved;
        try
        {
            saved = await client.UndoRedoAsync(id, redo, ct).ConfigureAwait(false);
        }
        catch (DocumentNotFoundException e)
        {
            throw CliException.NotFound(e.Message);
        }
        if (json) console.Out.WriteLine(Output.Line(saved));
        else console.Out.WriteLine($"{(redo ? "redone" : "undone")} {saved["id"]} {saved["rev"]}");
        return ExitCodes.Ok;
    }

    public async Task<int> SyncAsync(CancellationToken ct)
    {
        var status = await ProgressView.RunAsync(console, !json, "sync", null,
            _ => client.SyncAsync(null, ct)).ConfigureAwait(false);
        if (json) console.Out.WriteLine(Output.Line(status));
        else
        {
            console.Out.WriteLine($"synced with {status["mirror_in_use"]}");
            Output.WriteFields(console.Out, status);
        }
        return status["last_error"] is null ? ExitCodes.Ok : ExitCodes.Unreachable;
    }

    public async Task<int> StatusAsync(CancellationToken ct)
    {
        var status = await client.StatusAsync(ct).ConfigureAwait(false);
        if (json) console.Out.WriteLine(Output.Line(status));
        else Output.WriteFields(console.Out, status);
        return ExitCodes.Ok;
    }

    /// <summary>Parses a JSON object given on the command line; the error names what and where.</summary>
    public static JsonObject ParseObject(string text, string what)
    {
        if (string.IsNullOrWhiteSpace(text)) throw CliException.Usage($"{what} is missing: give a JSON object, e.g. '{{\"id\":\"a\",\"v\":1}}'.");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"{what} is not valid JSON: {e.Message}");
        }
        return node as JsonObject ?? throw CliException.Usage($"{what} must be a JSON object ({{...}}), not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}.");
    }

    private static void RequireId(string id, string command)
    {
        if (string.IsNullOrEmpty(id)) throw CliException.Usage($"{command}: give a record id.");
    }
}
