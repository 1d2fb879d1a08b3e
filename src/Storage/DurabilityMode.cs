namespace MyNoSql;

/// <summary>When a save is considered done.</summary>
public enum DurabilityMode
{
    /// <summary>A save returns after the log was fsynced (group commit: concurrent savers share one sync).</summary>
    Durable = 0,
    /// <summary>A save returns after the log write; a background timer syncs the log periodically.</summary>
    Relaxed = 1,
}
