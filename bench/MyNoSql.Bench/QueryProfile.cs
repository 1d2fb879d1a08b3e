using System.Diagnostics;
using System.Text.Json.Nodes;
using MyNoSql.Bench.Engines;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Query;

namespace MyNoSql.Bench;

/// <summary>
/// <c>--query-profile</c>: where MyNoSql's measured query spends its time. Loads N orders into a peer, builds the
/// [type,date] index, then times each stage of the query path separately over the same workload: the index scan
/// (first 101 current hits), the record reads (block cache), the record decode, the JSON compose + parse, the
/// selector re-check, and the whole <see cref="QueryEngine.FindAsync"/>; plus the block cache's hits and misses.
/// </summary>
internal static class QueryProfile
{
    public static async Task RunAsync(BenchOptions options, string root)
    {
        string dir = Path.Combine(root, "query-profile");
        try
        {
            await using var target = (QueryMyNoSql)await QueryMyNoSql.OpenAsync(dir, durable: false);
            await Measure.BatchedAsync(target, Datasets.OrdersStream(options.QueryN), 1000);
            await target.CreateTypeDateIndexAsync();
            var source = target.Source;
            var store = target.Engine.Db.Store;
            var workload = QueryRun.Workload(options.Queries, seed: 99);
            foreach (var (type, since) in QueryRun.Workload(Math.Max(100, options.Queries / 2), seed: 98)) _ = await target.RecentAsync(type, since, 100);
            for (int round = 0; round < 3; round++)
            {
                double scan = 0, read = 0, decode = 0, compose = 0, match = 0, find = 0;
                var before = store.Records.GetStatistics();
                long gc0 = GC.CollectionCount(0), gc1 = GC.CollectionCount(1), gc2 = GC.CollectionCount(2);
                long alloc = GC.GetAllocatedBytesForCurrentThread();
                foreach (var (type, since) in workload)
                {
                    var query = MangoQuery.Parse(QueryMyNoSql.Recent(type, since, 100));
                    var plan = QueryPlanner.Plan(source, query.Selector, query.Sort);
                    long t = Stopwatch.GetTimestamp();
                    var hits = IndexScan.Merge(plan.Index!, plan.Ranges, plan.Descending, null).Take(101).ToList();
                    scan += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    foreach (var hit in hits)
                    {
                        t = Stopwatch.GetTimestamp();
                        var stored = await store.Records.ReadAsync(hit.Id);
                        read += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                        t = Stopwatch.GetTimestamp();
                        var record = DocumentRecord.Decode(hit.Id, stored!.Payload, stored.Revision);
                        decode += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                        t = Stopwatch.GetTimestamp();
                        var doc = DocumentCodec.Compose(hit.Id, record.Winner.Rev, record.Winner.Body.Span);
                        compose += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                        t = Stopwatch.GetTimestamp();
                        _ = query.Selector.Matches(doc);
                        match += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    }
                    t = Stopwatch.GetTimestamp();
                    _ = await QueryEngine.FindAsync(source, query);
                    find += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                }
                var after = store.Records.GetStatistics();
                int q = workload.Count;
                Progress.Say($"profile round {round}, {options.QueryN:N0} docs, {q} queries, ms per query: scan {scan / q:F3}, read {read / q:F3}, "
                    + $"decode {decode / q:F3}, compose+parse {compose / q:F3}, match {match / q:F3}; FindAsync {find / q:F3} ({q / (find / 1000):F0} q/s); "
                    + $"cache hits {after.CacheHits - before.CacheHits:N0}, misses {after.CacheMisses - before.CacheMisses:N0}, bytes {after.CacheBytes:N0}; "
                    + $"GCs {GC.CollectionCount(0) - gc0}/{GC.CollectionCount(1) - gc1}/{GC.CollectionCount(2) - gc2}, "
                    + $"allocated {(GC.GetAllocatedBytesForCurrentThread() - alloc) / q / 1024.0:F0} KiB per query (both passes)");
            }
            var sw = Stopwatch.StartNew();
            long count = await target.CountTypeAsync(Datasets.OrderTypes[0]);
            Progress.Say($"profile: count {{type}} = {count:N0} in {sw.Elapsed.TotalMilliseconds:F1} ms");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
