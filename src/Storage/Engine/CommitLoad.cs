namespace MyNoSql.Storage.Engine;

/// <summary>
/// Frame requests queued or being committed across one store's shards. A caller that finds none besides its own
/// commits inline (<see cref="StoreOptions.InlineCommits"/>); once another was in flight the store counts as
/// contended and callers queue for the shards' drains (so concurrent savers share syncs instead of each blocking a
/// thread-pool thread on a sync of its own) until a batch of one commits with nothing else in flight.
/// </summary>
internal sealed class CommitLoad
{
    public int InFlight;
    public volatile bool Contended;

    /// <summary>Counts a new request in; true when it may commit inline.</summary>
    public bool Enter()
    {
        int inFlight = Interlocked.Increment(ref InFlight);
        if (inFlight > 1) Contended = true;
        return inFlight == 1 && !Contended;
    }

    /// <summary>Counts a committed (or failed) batch out.</summary>
    public void Leave(int requests)
    {
        if (Interlocked.Add(ref InFlight, -requests) == 0 && requests == 1) Contended = false;
    }
}
