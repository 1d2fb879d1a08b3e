namespace MyNoSql.AttachmentBench;

/// <summary>Samples the process's resident set (VmRSS) every few milliseconds on its own thread and keeps the peak.</summary>
internal sealed class ProcessMemory : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak;

    public ProcessMemory()
    {
        _peak = Rss();
        _thread = new Thread(Loop) { IsBackground = true, Name = "rss-sampler" };
        _thread.Start();
    }

    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Starts a new peak from the current resident set.</summary>
    public void Reset() => Interlocked.Exchange(ref _peak, Rss());

    /// <summary>The resident set now, in bytes (VmRSS of /proc/self/status; the working set elsewhere).</summary>
    public static long Rss()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    private void Loop()
    {
        while (!_stop)
        {
            long now = Rss();
            long seen = Interlocked.Read(ref _peak);
            while (now > seen)
            {
                long was = Interlocked.CompareExchange(ref _peak, now, seen);
                if (was == seen) break;
                seen = was;
            }
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
