using System.Runtime.InteropServices;

namespace MyNoSql.Storage.Engine;

/// <summary>
/// One dedicated thread per store for the background compactor's CPU work (LZMA sealing, segment rewrites), at a lower
/// OS priority than the application's threads (Linux: the thread's nice value raised to
/// <see cref="StoreOptions.BackgroundNice"/>; elsewhere <see cref="ThreadPriority.BelowNormal"/>). Background sealing
/// is seconds of LZMA per shard on one of the two cores; at equal priority it took half the CPU from the reads right
/// after a reopen (README "Issue 14, third pass"). At a lower priority it runs on whatever the application leaves idle
/// and yields the moment the foreground wants a core. Started on first use, stopped by <see cref="Dispose"/>.
/// </summary>
internal sealed partial class BackgroundWorker : IDisposable
{
    private readonly int _nice;
    private readonly string _name;
    private readonly object _gate = new();
    private readonly Queue<(Action Work, TaskCompletionSource Done)> _queue = new();
    private Thread? _thread;
    private bool _stopped;

    public BackgroundWorker(int nice, string name)
    {
        _nice = nice;
        _name = name;
    }

    /// <summary>Runs <paramref name="work"/> on the worker thread; the task completes (or faults) when it has run.</summary>
    public Task RunAsync(Action work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            _queue.Enqueue((work, done));
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = _name };
                _thread.Start();
            }
            else Monitor.Pulse(_gate);
        }
        return done.Task;
    }

    /// <summary>The worker thread's OS thread id once it runs (Linux; 0 before or elsewhere). For tests.</summary>
    public int OsThreadId { get; private set; }

    private void Run()
    {
        if (OperatingSystem.IsLinux()) OsThreadId = GetTid();
        LowerPriority(_nice);
        while (true)
        {
            (Action Work, TaskCompletionSource Done) item;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_stopped) Monitor.Wait(_gate);
                if (_queue.Count == 0) return;
                item = _queue.Dequeue();
            }
            try
            {
                item.Work();
                item.Done.TrySetResult();
            }
            catch (OperationCanceledException e)
            {
                item.Done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                item.Done.TrySetException(e);
            }
        }
    }

    /// <summary>Lets queued work finish, then ends the thread (it does not wait for it).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Raises the calling thread's nice value to <paramref name="nice"/> (never lowers it: that needs
    /// privileges, and a process started with <c>nice</c> keeps its own setting); BelowNormal where there is no nice.</summary>
    internal static void LowerPriority(int nice)
    {
        if (nice <= 0) return;
        if (OperatingSystem.IsLinux())
        {
            // On Linux, PRIO_PROCESS with a thread id sets that one thread's nice value.
            int tid = GetTid();
            Marshal.SetLastPInvokeError(0);
            int current = GetPriority(PrioProcess, (uint)tid);
            if (current == -1 && Marshal.GetLastPInvokeError() != 0) current = 0;
            if (current < nice) _ = SetPriority(PrioProcess, (uint)tid, nice); // best effort: failure keeps the priority
            return;
        }
        try
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
        catch (ThreadStateException)
        {
        }
    }

    /// <summary>The calling thread's nice value (Linux; 0 elsewhere). For tests and diagnostics.</summary>
    internal static int CurrentNice()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        Marshal.SetLastPInvokeError(0);
        return GetPriority(PrioProcess, (uint)GetTid());
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static partial int GetPriority(int which, uint who);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, uint who, int prio);
}
