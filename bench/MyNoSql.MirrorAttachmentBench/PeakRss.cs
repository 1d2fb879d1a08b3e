namespace MyNoSql.MirrorAttachmentBench;

/// <summary>Samples every mirror's resident set every 10 ms on its own thread and keeps each one's peak.</summary>
internal sealed class PeakRss : IDisposable
{
    private readonly MirrorProcesses _mirrors;
    private readonly long[] _peaks;
    private readonly Thread _thread;
    private volatile bool _stop;

    public PeakRss(MirrorProcesses mirrors)
    {
        _mirrors = mirrors;
        _peaks = new long[mirrors.Urls.Count];
        Reset();
        _thread = new Thread(Loop) { IsBackground = true, Name = "rss-sampler" };
        _thread.Start();
    }

    /// <summary>Each mirror's resident set now; the peaks start again from here.</summary>
    public long[] Reset()
    {
        var now = new long[_peaks.Length];
        lock (_peaks)
        {
            for (int i = 0; i < now.Length; i++) _peaks[i] = now[i] = _mirrors.Rss(i);
        }
        return now;
    }

    public long[] Peaks()
    {
        lock (_peaks) return (long[])_peaks.Clone();
    }

    private void Loop()
    {
        while (!_stop)
        {
            lock (_peaks)
            {
                for (int i = 0; i < _peaks.Length; i++) _peaks[i] = Math.Max(_peaks[i], _mirrors.Rss(i));
            }
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
