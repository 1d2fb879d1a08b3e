using System.Text.Json.Nodes;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Tests.Query;

/// <summary>A database as a dictionary of live documents (each with id and rev), plus the indexes built over them.</summary>
internal sealed class InMemoryQuerySource : IQuerySource
{
    private readonly SortedDictionary<string, JsonObject> _docs = new(StringComparer.Ordinal);
    private readonly List<ISecondaryIndex> _indexes = [];

    public InMemoryQuerySource(IEnumerable<JsonObject> docs)
    {
        foreach (var doc in docs) _docs[doc["id"]!.GetValue<string>()] = doc;
    }

    public string Context => "database 'test'";

    public IReadOnlyList<ISecondaryIndex> Indexes => _indexes;

    public IReadOnlyCollection<JsonObject> Documents => _docs.Values;

    /// <summary>How many documents were read.</summary>
    public int Reads { get; private set; }

    /// <summary>Builds an index over the current documents.</summary>
    public InMemoryIndex AddIndex(string name, params string[] fields)
    {
        var index = new InMemoryIndex(name, fields, _docs.Values, id => _docs.GetValueOrDefault(id));
        _indexes.Add(index);
        return index;
    }

    public void ClearIndexes() => _indexes.Clear();

    /// <summary>Makes exactly <paramref name="indexes"/> (built earlier over the same documents) available.</summary>
    public void UseIndexes(IEnumerable<ISecondaryIndex> indexes)
    {
        _indexes.Clear();
        _indexes.AddRange(indexes);
    }

    /// <summary>Replaces or removes a document without touching the indexes: their entries go stale.</summary>
    public void PutWithoutIndexing(string id, JsonObject? doc)
    {
        if (doc is null) _docs.Remove(id);
        else _docs[id] = doc;
    }

    public void ResetReads() => Reads = 0;

    public IEnumerable<string> LiveIds(string? after)
    {
        foreach (var id in _docs.Keys)
            if (after is null || string.CompareOrdinal(id, after) > 0) yield return id;
    }

    public ValueTask<LiveDocument> ReadLiveAsync(string id, CancellationToken cancellationToken)
    {
        Reads++;
        return ValueTask.FromResult(_docs.TryGetValue(id, out var doc) ? new LiveDocument(doc, DocumentVersions.Of(doc)) : default);
    }
}
