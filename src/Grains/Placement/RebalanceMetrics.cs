using System.Diagnostics.Metrics;
using MyNoSql.Storage.Diagnostics;

namespace MyNoSql.Grains.Placement;

/// <summary>Rebalancing counters on the shared "MyNoSql" meter (<see cref="MyNoSqlMetrics.Meter"/>).</summary>
internal static class RebalanceMetrics
{
    public static readonly Counter<long> Passes = MyNoSqlMetrics.Meter.CreateCounter<long>("mynosql.rebalance.passes", "{pass}",
        "Rebalancing passes over this mirror's records after a membership change, by result (done, failed).");

    public static readonly Counter<long> Scanned = MyNoSqlMetrics.Meter.CreateCounter<long>("mynosql.rebalance.scanned", "{record}",
        "Records the rebalancer looked at.");

    public static readonly Counter<long> Copied = MyNoSqlMetrics.Meter.CreateCounter<long>("mynosql.rebalance.copied", "{record}",
        "Records sent to a new holder (each holder counted).");

    public static readonly Counter<long> Moved = MyNoSqlMetrics.Meter.CreateCounter<long>("mynosql.rebalance.moved", "{record}",
        "Records a new holder did not hold yet (accepted), each holder counted.");

    public static readonly Counter<long> Bytes = MyNoSqlMetrics.Meter.CreateCounter<long>("mynosql.rebalance.bytes", "By",
        "Revision body bytes sent to new holders.");

    public static readonly Counter<long> Dropped = MyNoSqlMetrics.Meter.CreateCounter<long>("mynosql.rebalance.dropped", "{record}",
        "Copies dropped by a mirror that left the records' replica sets, after every holder confirmed its copy.");
}
