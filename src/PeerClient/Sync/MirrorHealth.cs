namespace MyNoSql.Sync;

/// <summary>
/// Which mirrors failed lately, with an exponential back-off per mirror (2 s, 4 s, 8 s … at most 60 s after the last
/// failure). The read path skips a mirror in back-off, so a peer whose mirrors are all down answers reads from its
/// local copy at once instead of waiting on connect or request timeouts. Sync rounds still try every mirror (those in
/// back-off last): a round's success ends a mirror's back-off. In memory only: a reopened peer starts without any.
/// </summary>
internal sealed class MirrorHealth
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, (int Failures, DateTimeOffset Until)> _failing = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;

    public MirrorHealth(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    /// <summary>True while <paramref name="mirror"/> is in back-off after a failure.</summary>
    public bool IsBackingOff(string mirror)
    {
        lock (_gate) return _failing.TryGetValue(mirror, out var f) && _clock.GetUtcNow() < f.Until;
    }

    /// <summary>Records a failure: the back-off doubles with each failure in a row.</summary>
    public void Failed(string mirror)
    {
        lock (_gate)
        {
            int failures = _failing.TryGetValue(mirror, out var f) ? f.Failures + 1 : 1;
            var wait = TimeSpan.FromTicks(Math.Min(Longest.Ticks, First.Ticks << Math.Min(failures - 1, 16)));
            _failing[mirror] = (failures, _clock.GetUtcNow() + wait);
        }
    }

    /// <summary>Records an answer: the mirror is reachable again.</summary>
    public void Succeeded(string mirror)
    {
        lock (_gate) _failing.Remove(mirror);
    }
}
