using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Documents;

/// <summary>
/// Once per process, while a database opens (its logs are zero-filled and synced: the CPU is idle), runs the CPU part
/// of a save in the background on a dummy record: parse to UTF-8, the save rule and revision hash, the stored record's
/// encoding, the log frame and its crc, and the returned copy. The first real save then finds that code compiled
/// instead of paying its JIT (and the crypto library's load) in series with its sync. Touches no store.
/// </summary>
internal static class SaveWarmUp
{
    private static int s_started;

    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0) return;
        _ = Task.Run(static () =>
        {
            try
            {
                Run();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or CryptographicException or FormatException)
            {
                // Only an optimisation; real saves report real errors.
            }
        });
    }

    /// <summary>The warm-up itself (synchronous; tests call it): returns what a save of the dummy record returns.</summary>
    internal static JsonObject Run()
    {
        var document = new JsonObject
        {
            ["id"] = "warm-up",
            ["n"] = 1,
            ["x"] = 1.5,
            ["s"] = "text",
            ["b"] = true,
            ["a"] = new JsonArray(1, "two", null),
            ["o"] = new JsonObject { ["k"] = "v" },
        };
        var parsed = DocumentCodec.Parse(document, 1 << 20);
        string id = parsed.Id!;
        var edit = new EditContext(new HybridClock(TimeProvider.System).Next(), RecordHistory.DefaultDepth);
        var first = DocumentRules.Save("warm-up", null, id, parsed.Rev, parsed.Body, pending: true, edit);
        // An update too (the rules' other branch: ancestry, kept history).
        document["n"] = 2;
        var changed = DocumentCodec.Parse(document, 1 << 20);
        var second = DocumentRules.Save("warm-up", first.Record, id, first.Leaf.Rev.ToString(), changed.Body, pending: true, edit with { Stamp = edit.Stamp + 1 });
        RecordStore.WarmUpEncoding(ReplicaStore.ToStored(id, second.Record, RecordFlags.Pending));
        return DocumentCodec.Compose(id, second.Leaf.Rev, second.Leaf.Body.Span);
    }
}
