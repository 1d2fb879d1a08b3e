using System.Globalization;
using MyNoSql;

/// <summary>
/// <c>MyNoSql.PeerWorker lock --data DIR --db NAME --mirror URL --lock NAME --ttl SECONDS</c>: takes the lock through the
/// peer API, prints <c>LOCKED &lt;token&gt; &lt;expires&gt;</c>, then renews it every ttl/3 (printing <c>RENEWED
/// &lt;expires&gt;</c>) until it is killed: the holder of tests/Cluster.Tests/Locks' SIGKILL test.
/// </summary>
internal static class LockHolder
{
    public static async Task RunAsync(string[] args)
    {
        string Arg(string name) => args[Array.IndexOf(args, name) + 1];
        var ttl = TimeSpan.FromSeconds(double.Parse(Arg("--ttl"), CultureInfo.InvariantCulture));
        await using var db = await MyNoSqlDb.OpenAsync(Arg("--db"), new MyNoSqlOptions { DataDirectory = Arg("--data"), SyncInterval = Timeout.InfiniteTimeSpan });
        await db.AddPeerAsync(Arg("--mirror"));
        await using var held = await db.LockAsync(Arg("--lock"), ttl, TimeSpan.FromSeconds(60));
        Console.WriteLine($"LOCKED {held.FencingToken.ToString(CultureInfo.InvariantCulture)} {held.Expires:O}");
        while (true)
        {
            await Task.Delay(ttl / 3);
            await held.RenewAsync();
            Console.WriteLine($"RENEWED {held.Expires:O}");
        }
    }
}
