namespace MyNoSql.Grains.Storage;

/// <summary>
/// How long this mirror has seen each deleted record deleted, by its own monotonic clock, for the history sweep: a
/// tombstone's stamp is the deleting replica's clock, and a device whose clock is years behind stamps a delete that
/// looks older than any horizon (audit P: undo of a record deleted a minute earlier by a device at 1970 was gone). The
/// sweep drops a deleted record's history only once both its stamp and this mirror's own sighting are older than the
/// horizon. In memory: a restarted mirror starts counting again, which only delays a purge.
/// </summary>
internal sealed class TombstoneAges(Func<long> nowMs)
{
    private readonly Dictionary<string, long> _since = new(StringComparer.Ordinal);
    private HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Ages by <see cref="Environment.TickCount64"/>.</summary>
    public TombstoneAges() : this(() => Environment.TickCount64) { }

    /// <summary>Notes <paramref name="key"/> seen deleted in this pass; true once it has been seen deleted for <paramref name="horizon"/>.</summary>
    public bool Admit(string key, TimeSpan horizon)
    {
        _seen.Add(key);
        long now = nowMs();
        if (_since.TryAdd(key, now)) return false;
        return now - _since[key] >= (long)horizon.TotalMilliseconds;
    }

    /// <summary>Ends a pass: keys not seen deleted in it (history dropped, or written since) are forgotten.</summary>
    public void EndPass()
    {
        foreach (var key in _since.Keys.Where(k => !_seen.Contains(k)).ToList()) _since.Remove(key);
        _seen = new(StringComparer.Ordinal);
    }

    /// <summary>Keys being aged (for tests).</summary>
    public int Count => _since.Count;
}
