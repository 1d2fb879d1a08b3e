namespace MyNoSql;

/// <summary>What a peer keeps locally.</summary>
public enum DbMode
{
    /// <summary>Keeps only the records the application wrote or read (default).</summary>
    Peer = 0,
    /// <summary>Keeps a full replica of the database.</summary>
    Mirror = 1,
}
