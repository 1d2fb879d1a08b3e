namespace MyNoSql.Simulation.Tests.Sim;

/// <summary>A real <see cref="MyNoSqlDb"/> (real files, relaxed durability, no background sync loop: only the schedule runs rounds).</summary>
internal sealed class SimPeer(int number, string root, DbMode mode)
{
    public const string Database = "sim";

    public int Number { get; } = number;

    public string Name => $"p{Number}";

    public DbMode Mode { get; } = mode;

    /// <summary>The folder the database lives in (crash copies are taken of it).</summary>
    public string Directory => Path.Combine(root, Database);

    public MyNoSqlDb? Db { get; private set; }

    public bool Up => Db is not null;

    /// <summary>Transport calls left before this peer crashes in the middle of a round (-1: no crash planned).</summary>
    public int CrashAfterCalls { get; set; } = -1;

    /// <summary>With a planned crash: whether it happens after the mirror applied the request (else before sending it).</summary>
    public bool CrashAfterApply { get; set; }

    /// <summary>Files as they were when the planned crash hit, restored when the peer is closed.</summary>
    public string? CrashCopy { get; set; }

    public async Task OpenAsync()
    {
        Db = await MyNoSqlDb.OpenAsync(Database, new MyNoSqlOptions
        {
            DataDirectory = root,
            Durability = DurabilityMode.Relaxed,
            SyncInterval = Timeout.InfiniteTimeSpan,
            // Every close is either the end of the run or the close of a crashed instance whose files are then
            // replaced by the crash copy: sealing the logs into LZMA segments there would be wasted work.
            SealOnClose = false,
            Transports = { ["sim"] = () => new SimTransport() },
            // Freshness reads and mirror back-off follow wall-clock time; frozen (and freshness off) a run stays a
            // function of its seed: a failed mirror is skipped by on-demand reads until a round or AddPeer reaches it.
            ReadFreshness = Timeout.InfiniteTimeSpan,
            TimeProvider = FrozenClock.Instance,
        });
        if (Observer is not null) Db.Store.Replica.AddObserver(Observer);
    }

    /// <summary>Sees every write of the store (the world records the resolutions the merge policy writes).</summary>
    public MyNoSql.Storage.Documents.IReplicaObserver? Observer { get; set; }

    public async Task CloseAsync()
    {
        if (Db is null) return;
        var db = Db;
        Db = null;
        await db.DisposeAsync();
    }
}

/// <summary>A clock that never moves (the peer asks it only for the time, never for timers).</summary>
internal sealed class FrozenClock : TimeProvider
{
    public static readonly FrozenClock Instance = new();
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Epoch;
}
