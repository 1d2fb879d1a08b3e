using System.Text.Json.Nodes;
using MyNoSql.Storage.Engine;
using MyNoSql.Storage.Diagnostics;

namespace MyNoSql.Storage.Documents;

internal sealed partial class DocumentStore
{
    /// <summary>
    /// Saves many records with one sync per touched shard. All or nothing: every document is validated and
    /// every revision checked before anything is written. A repeated id applies in order within the batch.
    /// </summary>
    public async ValueTask<IReadOnlyList<JsonObject>> SaveManyAsync(IReadOnlyList<JsonObject> documents, CancellationToken cancellationToken = default)
    {
        MyNoSqlMetrics.Saves.Add(documents.Count, MyNoSqlMetrics.Db(Name));
        var parsed = new ParsedDocument[documents.Count];
        var ids = new string[documents.Count];
        for (int i = 0; i < documents.Count; i++)
        {
            parsed[i] = DocumentCodec.Parse(documents[i] ?? throw new ArgumentException($"Record {i} of the batch is null.", nameof(documents)), _maxDocumentSize);
            ids[i] = parsed[i].Id ?? DocumentId.NewId();
        }
        using (await _replica.LockManyAsync(ids, cancellationToken).ConfigureAwait(false))
        {
            var latest = new Dictionary<string, DocumentRecord?>(StringComparer.Ordinal);
            var results = new JsonObject[documents.Count];
            var changed = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < parsed.Length; i++)
            {
                string id = ids[i];
                if (!latest.TryGetValue(id, out var current))
                    current = await ReadRecordAsync(id, cancellationToken).ConfigureAwait(false);
                // An id changed earlier in this batch is pending already.
                var outcome = DocumentRules.Save(Name, current, id, parsed[i].Rev, parsed[i].Body, changed.Contains(id) || IsPending(id), _replica.NewEdit());
                latest[id] = outcome.Record;
                if (outcome.Changed) changed.Add(id);
                results[i] = DocumentCodec.Compose(id, outcome.Leaf.Rev, outcome.Leaf.Body.Span);
            }
            await _replica.WriteManyAsync([.. changed.Select(id => (id, latest[id]!))], RecordFlags.Pending, cancellationToken).ConfigureAwait(false);
            return results;
        }
    }
}
