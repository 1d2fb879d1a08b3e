using System.Diagnostics;
using System.Diagnostics.Metrics;
using MyNoSql.Storage.Engine;

namespace MyNoSql.Storage.Diagnostics;

/// <summary>
/// The <c>Meter</c> and <c>ActivitySource</c> named "MyNoSql" (DESIGN §11), shared by peers and mirrors. Counters are
/// recorded where the work happens; the store gauges (records, pending writes, bytes, compaction) are read from every
/// open <see cref="RecordStore"/> when a listener collects, so the engine's hot paths pay nothing for them. Each
/// measurement carries the database (<c>db</c>). A peer's store holds one database, named by the store. A mirror's one
/// store holds every database (<see cref="SplitByDatabase"/>): its records and disk bytes are reported per database, and
/// its pending writes and compactions, which belong to no one database, carry <c>store</c> (the store's name) instead.
/// </summary>
internal static class MyNoSqlMetrics
{
    public const string Name = "MyNoSql";

    private static readonly Lock s_gate = new();
    private static readonly List<Tracked> s_stores = [];

    public static readonly Meter Meter = new(Name, typeof(MyNoSqlMetrics).Assembly.GetName().Version?.ToString(3));

    public static readonly ActivitySource Activities = new(Name, typeof(MyNoSqlMetrics).Assembly.GetName().Version?.ToString(3));

    public static readonly Counter<long> Saves = Meter.CreateCounter<long>("mynosql.saves", "{record}", "Records saved or deleted (local writes and gateway writes).");

    public static readonly Counter<long> Reads = Meter.CreateCounter<long>("mynosql.reads", "{record}", "Records read by id.");

    public static readonly Counter<long> Queries = Meter.CreateCounter<long>("mynosql.queries", "{query}", "Mango queries answered (_find, FindAsync, CountAsync).");

    public static readonly Counter<long> SyncRounds = Meter.CreateCounter<long>("mynosql.sync.rounds", "{round}", "Sync rounds: a peer counts its rounds, by result (ok, failed, rejected); a mirror the sync requests it serves, by route and result (ok, failed).");

    public static readonly Counter<long> SyncBytes = Meter.CreateCounter<long>("mynosql.sync.bytes", "By", "Bytes of sync request and answer bodies, by direction (sent, received) as seen by who records it.");

    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("mynosql.conflicts", "{record}", "Records a sync round (peer) or a received push or replicated CouchDB write (mirror) left conflicted.");

    public static readonly Histogram<double> ReplicationLag = Meter.CreateHistogram<double>("mynosql.replication.lag", "ms",
        "Time from a write's acknowledgement to its copy on every active mirror (background replication).");

    static MyNoSqlMetrics()
    {
        Meter.CreateObservableGauge("mynosql.records", () => Observe(s => s.Count, perDatabase: (_, _, records) => records), "{record}",
            "Records (with tombstones) in the store; on a mirror per database.");
        Meter.CreateObservableGauge("mynosql.pending_writes", () => Observe(s => s.PendingCount), "{record}",
            "Writes not yet acknowledged by a mirror (a peer's outbox).");
        Meter.CreateObservableGauge("mynosql.disk.bytes", () => Observe(DiskBytes, perDatabase: DiskShare), "By",
            "Bytes of the store's segments and logs on disk; on a mirror each database's share (by records).");
        Meter.CreateObservableCounter("mynosql.compactions", () => Observe(s => { var st = s.GetStatistics(); return st.Seals + st.SegmentRewrites; }), "{compaction}",
            "Logs sealed into segments and segments rewritten by the compactor.");
    }

    /// <summary>Adds an open store to the gauges (removed at its dispose, or when collected).</summary>
    public static void Track(RecordStore store)
    {
        lock (s_gate) s_stores.Add(new Tracked(new WeakReference<RecordStore>(store)));
    }

    /// <summary>
    /// Reports a store that holds many databases (a mirror's) per database: <paramref name="databases"/> gives each one's
    /// records held (tombstones included). It is called at every collection, so it must be cheap and thread-safe.
    /// </summary>
    public static void SplitByDatabase(RecordStore store, Func<IReadOnlyList<KeyValuePair<string, long>>> databases)
    {
        lock (s_gate)
        {
            foreach (var tracked in s_stores)
                if (tracked.Store.TryGetTarget(out var s) && ReferenceEquals(s, store)) tracked.Databases = databases;
        }
    }

    public static void Untrack(RecordStore store)
    {
        lock (s_gate) s_stores.RemoveAll(t => !t.Store.TryGetTarget(out var s) || ReferenceEquals(s, store));
    }

    /// <summary>A tag list with the database.</summary>
    public static KeyValuePair<string, object?> Db(string database) => new("db", database);

    private static string NameOf(RecordStore store) => store.Options.Name.Length > 0 ? store.Options.Name : Path.GetFileName(store.Directory);

    private static long DiskBytes(RecordStore store)
    {
        var st = store.GetStatistics();
        return st.SegmentBytes + st.LogBytes;
    }

    /// <summary>A database's share of the store's bytes by records, as <c>GET /db/{db}</c> reports it.</summary>
    private static long DiskShare(long storeBytes, long storeRecords, long records) =>
        (long)(storeBytes * Math.Min(1.0, (double)records / Math.Max(1, storeRecords)));

    /// <summary>
    /// One measurement per store, tagged with its database. A store split by database gives, with
    /// <paramref name="perDatabase"/> (the store's value and record count, the database's records → its value), one per
    /// database instead, and without it one tagged <c>store</c>.
    /// </summary>
    private static List<Measurement<long>> Observe(Func<RecordStore, long> read, Func<long, long, long, long>? perDatabase = null)
    {
        Tracked[] tracked;
        lock (s_gate)
        {
            s_stores.RemoveAll(t => !t.Store.TryGetTarget(out _));
            tracked = [.. s_stores];
        }
        var measurements = new List<Measurement<long>>(tracked.Length);
        foreach (var t in tracked)
        {
            if (!t.Store.TryGetTarget(out var store)) continue;
            try
            {
                long value = read(store);
                if (t.Databases is not { } databases)
                    measurements.Add(new Measurement<long>(value, Db(NameOf(store))));
                else if (perDatabase is null)
                    measurements.Add(new Measurement<long>(value, new KeyValuePair<string, object?>("store", NameOf(store))));
                else
                {
                    long count = store.Count;
                    foreach (var (database, records) in databases())
                        measurements.Add(new Measurement<long>(perDatabase(value, count, records), Db(database)));
                }
            }
            catch (ObjectDisposedException)
            {
                // closed meanwhile
            }
        }
        return measurements;
    }

    private sealed class Tracked(WeakReference<RecordStore> store)
    {
        public WeakReference<RecordStore> Store { get; } = store;

        /// <summary>Records per database of a store split by database (<see cref="SplitByDatabase"/>), else null.</summary>
        public Func<IReadOnlyList<KeyValuePair<string, long>>>? Databases { get; set; }
    }
}
