namespace MyNoSql.Sync;

/// <summary>
/// Which mirrors failed and have not answered since, with an exponential back-off per mirror (2 s, 4 s, 8 s … at
/// most 60 s after the last failure). The read path never waits on a mirror that failed: a mirror that hangs (accepts
/// connections, never answers) would cost each such read a probe timeout. Once its back-off runs out, a read starts
/// one background re-check of it (<see cref="TryBeginRecheck"/>) and answers without it; an answer to that check or to
/// a sync round (rounds still try every mirror, those in back-off last) makes it usable again. In memory only: a
/// reopened peer starts without any.
/// </summary>
internal sealed class MirrorHealth
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, Failure> _failing = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;

    public MirrorHealth(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    /// <summary>True while <paramref name="mirror"/> is in back-off after a failure.</summary>
    public bool IsBackingOff(string mirror)
    {
        lock (_gate) return _failing.TryGetValue(mirror, out var f) && _clock.GetUtcNow() < f.Until;
    }

    /// <summary>True when <paramref name="mirror"/> failed and has not answered since, back-off over or not.</summary>
    public bool IsDown(string mirror)
    {
        lock (_gate) return _failing.ContainsKey(mirror);
    }

    /// <summary>
    /// True (and the check is then the caller's, to end with <see cref="EndRecheck"/>) when <paramref name="mirror"/>
    /// is down, its back-off ran out and no re-check of it is under way.
    /// </summary>
    public bool TryBeginRecheck(string mirror)
    {
        lock (_gate)
        {
            if (!_failing.TryGetValue(mirror, out var f) || f.Rechecking || _clock.GetUtcNow() < f.Until) return false;
            f.Rechecking = true;
            return true;
        }
    }

    /// <summary>A re-check begun with <see cref="TryBeginRecheck"/> ended (its outcome recorded already).</summary>
    public void EndRecheck(string mirror)
    {
        lock (_gate)
        {
            if (_failing.TryGetValue(mirror, out var f)) f.Rechecking = false;
        }
    }

    /// <summary>Records a failure: the back-off doubles with each failure in a row.</summary>
    public void Failed(string mirror)
    {
        lock (_gate)
        {
            if (!_failing.TryGetValue(mirror, out var f)) _failing[mirror] = f = new Failure();
            f.Count++;
            var wait = TimeSpan.FromTicks(Math.Min(Longest.Ticks, First.Ticks << Math.Min(f.Count - 1, 16)));
            f.Until = _clock.GetUtcNow() + wait;
        }
    }

    /// <summary>Records an answer: the mirror is reachable again.</summary>
    public void Succeeded(string mirror)
    {
        lock (_gate) _failing.Remove(mirror);
    }

    private sealed class Failure
    {
        public int Count;
        public DateTimeOffset Until;
        public bool Rechecking;
    }
}
