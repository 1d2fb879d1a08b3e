using System.Diagnostics;
using System.Runtime;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// <c>GET /_mirror/memory</c>: this mirror process's memory as the GC sees it (live heap after the last collection,
/// committed and fragmented bytes, collections per generation) next to its resident set, so an operator (and the
/// soak) can tell a leak (live heap grows) from a GC that keeps freed memory committed. Admin only; not part of the
/// client contract.
/// </summary>
internal static class MemoryEndpoint
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/_mirror/memory", async context =>
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        using var process = Process.GetCurrentProcess();
        context.Response.StatusCode = 200;
        await ApiResponse.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("rssBytes", process.WorkingSet64);
            w.WriteNumber("gcHeapBytes", info.HeapSizeBytes);
            w.WriteNumber("gcPromotedBytes", info.PromotedBytes);
            w.WriteNumber("gcCommittedBytes", info.TotalCommittedBytes);
            w.WriteNumber("gcFragmentedBytes", info.FragmentedBytes);
            w.WriteNumber("gcTotalAvailableBytes", info.TotalAvailableMemoryBytes);
            w.WriteNumber("gcPauseTimePercent", info.PauseTimePercentage);
            w.WriteBoolean("gcServer", GCSettings.IsServerGC);
            w.WriteString("gcLatencyMode", GCSettings.LatencyMode.ToString());
            w.WriteStartArray("collections");
            for (int g = 0; g <= GC.MaxGeneration; g++) w.WriteNumberValue(GC.CollectionCount(g));
            w.WriteEndArray();
            w.WriteNumber("threads", process.Threads.Count);
            w.WriteEndObject();
        });
    });
}
