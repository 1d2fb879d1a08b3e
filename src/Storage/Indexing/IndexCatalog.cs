using System.Text;
using System.Text.Json.Nodes;
using MyNoSql.Storage.IO;
using MyNoSql.Storage.Query;

namespace MyNoSql.Storage.Indexing;

/// <summary>
/// The index definitions of one database and the folder of each (<c>ix-NNNNNN</c>: a fresh number per created index,
/// so a name deleted and created again never meets the old files), in <c>catalog.json</c>, replaced atomically.
/// Not thread-safe: the <see cref="IndexManager"/> serialises changes.
/// </summary>
internal sealed class IndexCatalog
{
    public const string FileName = "catalog.json";
    private readonly string _path;
    private readonly List<(IndexDefinition Definition, string Folder)> _entries = [];
    private long _next = 1;

    private IndexCatalog(string path) => _path = path;

    public IReadOnlyList<(IndexDefinition Definition, string Folder)> Entries => _entries;

    /// <summary>Reads the catalog in <paramref name="directory"/> (empty when there is none).</summary>
    /// <exception cref="CorruptDataException">The file is not a catalog.</exception>
    public static IndexCatalog Load(string directory)
    {
        var catalog = new IndexCatalog(Path.Combine(directory, FileName));
        if (!File.Exists(catalog._path)) return catalog;
        try
        {
            var json = JsonNode.Parse(File.ReadAllBytes(catalog._path))!.AsObject();
            catalog._next = json["next"]!.GetValue<long>();
            foreach (var node in json["indexes"]!.AsArray())
            {
                var fields = node!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ToArray();
                catalog._entries.Add((new IndexDefinition(node["name"]!.GetValue<string>(), fields), node["folder"]!.GetValue<string>()));
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new CorruptDataException(catalog._path, 0, $"index catalog: {e.Message}", e);
        }
        return catalog;
    }

    /// <summary>A folder name no index used before.</summary>
    public string NewFolder() => $"ix-{_next++:D6}";

    public void Add(IndexDefinition definition, string folder)
    {
        _entries.Add((definition, folder));
        Save();
    }

    public void Remove(string name)
    {
        _entries.RemoveAll(e => e.Definition.Name == name);
        Save();
    }

    private void Save()
    {
        var json = new JsonObject
        {
            ["next"] = _next,
            ["indexes"] = new JsonArray([.. _entries.Select(e => (JsonNode)new JsonObject
            {
                ["name"] = e.Definition.Name,
                ["fields"] = new JsonArray([.. e.Definition.Fields.Select(f => (JsonNode)f)]),
                ["folder"] = e.Folder,
            })]),
        };
        FileSync.WriteAtomically(_path, Encoding.UTF8.GetBytes(json.ToJsonString()));
    }
}
