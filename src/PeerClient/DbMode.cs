namespace MyNoSql;

/// <summary>What a peer keeps locally.</summary>
public enum DbMode
{
    /// <summary>Downloads only the records the application wrote or read, and keeps them up to date (default). Records
    /// held before a switch from <see cref="Mirror"/> stay on disk and are kept up to date too.</summary>
    Peer = 0,
    /// <summary>Keeps a full replica of the database (within <see cref="MyNoSqlOptions.SyncPrefixes"/> when set); a
    /// switch from <see cref="Peer"/> downloads every record the peer lacks in the following rounds.</summary>
    Mirror = 1,
}
