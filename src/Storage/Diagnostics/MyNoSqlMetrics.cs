using System.Diagnostics;
using System.Diagnostics.Metrics;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Diagnostics;

/// <summary>
/// The <c>Meter</c> and <c>ActivitySource</c> named "MyNoSql" (DESIGN §11), shared by peers and mirrors. Counters are
/// recorded where the work happens; the store gauges (records, pending writes, bytes, compaction) are read from every
/// open <see cref="RecordStore"/> when a listener collects, so the engine's hot paths pay nothing for them. Each
/// measurement carries the database (<c>db</c>) — a peer's database name or a mirror store's name.
/// </summary>
internal static class MyNoSqlMetrics
{
    public const string Name = "MyNoSql";

    private static readonly Lock s_gate = new();
    private static readonly List<WeakReference<RecordStore>> s_stores = [];

    public static readonly Meter Meter = new(Name, typeof(MyNoSqlMetrics).Assembly.GetName().Version?.ToString(3));

    public static readonly ActivitySource Activities = new(Name, typeof(MyNoSqlMetrics).Assembly.GetName().Version?.ToString(3));

    public static readonly Counter<long> Saves = Meter.CreateCounter<long>("mynosql.saves", "{record}", "Records saved or deleted (local writes and gateway writes).");

    public static readonly Counter<long> Reads = Meter.CreateCounter<long>("mynosql.reads", "{record}", "Records read by id.");

    public static readonly Counter<long> Queries = Meter.CreateCounter<long>("mynosql.queries", "{query}", "Mango queries answered (_find, FindAsync, CountAsync).");

    public static readonly Counter<long> SyncRounds = Meter.CreateCounter<long>("mynosql.sync.rounds", "{round}", "Peer sync rounds, by result (ok, failed, rejected).");

    public static readonly Counter<long> SyncBytes = Meter.CreateCounter<long>("mynosql.sync.bytes", "By", "Bytes of sync requests and answers, by direction (sent, received).");

    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("mynosql.conflicts", "{record}", "Pushed or merged records that became conflicted.");

    public static readonly Histogram<double> ReplicationLag = Meter.CreateHistogram<double>("mynosql.replication.lag", "ms",
        "Time from a write's acknowledgement to its copy on every active mirror (background replication).");

    static MyNoSqlMetrics()
    {
        Meter.CreateObservableGauge("mynosql.records", () => Observe(s => s.Count), "{record}", "Records (with tombstones) in the store.");
        Meter.CreateObservableGauge("mynosql.pending_writes", () => Observe(s => s.PendingCount), "{record}",
            "Writes not yet acknowledged by a mirror (a peer's outbox).");
        Meter.CreateObservableGauge("mynosql.disk.bytes", () => Observe(s => { var st = s.GetStatistics(); return st.SegmentBytes + st.LogBytes; }), "By",
            "Bytes of the store's segments and logs on disk.");
        Meter.CreateObservableCounter("mynosql.compactions", () => Observe(s => { var st = s.GetStatistics(); return st.Seals + st.SegmentRewrites; }), "{compaction}",
            "Logs sealed into segments and segments rewritten by the compactor.");
    }

    /// <summary>Adds an open store to the gauges (removed at its dispose, or when collected).</summary>
    public static void Track(RecordStore store)
    {
        lock (s_gate) s_stores.Add(new WeakReference<RecordStore>(store));
    }

    public static void Untrack(RecordStore store)
    {
        lock (s_gate) s_stores.RemoveAll(w => !w.TryGetTarget(out var s) || ReferenceEquals(s, store));
    }

    /// <summary>A tag list with the database.</summary>
    public static KeyValuePair<string, object?> Db(string database) => new("db", database);

    private static IEnumerable<Measurement<long>> Observe(Func<RecordStore, long> read)
    {
        RecordStore[] stores;
        lock (s_gate)
        {
            s_stores.RemoveAll(w => !w.TryGetTarget(out _));
            stores = [.. s_stores.Select(w => w.TryGetTarget(out var s) ? s : null).OfType<RecordStore>()];
        }
        foreach (var store in stores)
        {
            long value;
            try { value = read(store); }
            catch (ObjectDisposedException) { continue; }
            yield return new Measurement<long>(value, Db(store.Options.Name.Length > 0 ? store.Options.Name : Path.GetFileName(store.Directory)));
        }
    }
}
