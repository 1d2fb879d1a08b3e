using System.Text.Json;

namespace MyNoSql.Soak;

/// <summary>A mirror's memory as its GC sees it, read from <c>GET /_mirror/memory</c>.</summary>
internal sealed record MirrorMemory(long GcHeap, long GcCommitted, long GcFragmented, int Gen0, int Gen1, int Gen2)
{
    /// <summary>Null when the mirror did not answer (the soak then shows "-").</summary>
    public static async Task<MirrorMemory?> ReadAsync(HttpClient http, string url)
    {
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync($"{url}/_mirror/memory"));
            var r = doc.RootElement;
            var c = r.GetProperty("collections");
            return new MirrorMemory(r.GetProperty("gcHeapBytes").GetInt64(), r.GetProperty("gcCommittedBytes").GetInt64(),
                r.GetProperty("gcFragmentedBytes").GetInt64(), c[0].GetInt32(), c[1].GetInt32(), c[2].GetInt32());
        }
        catch (HttpRequestException) { }
        catch (TaskCanceledException) { }
        return null;
    }

    public override string ToString() =>
        $"heap {GcHeap / 1048576.0:F0} committed {GcCommitted / 1048576.0:F0} frag {GcFragmented / 1048576.0:F0} gen2 #{Gen2}";
}
