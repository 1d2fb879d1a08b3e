namespace MyNoSql;

/// <summary>Where a query runs (DESIGN §7).</summary>
public enum FindScope
{
    /// <summary>On the records this peer holds (in Peer mode, those the application wrote or read).</summary>
    Local = 0,

    /// <summary>On a reachable mirror, which holds every record of the database.</summary>
    Mirrors = 1,
}
