namespace MyNoSql.Sync;

/// <summary>
/// The background sync loop: a round every interval and shortly after local writes, while mirrors are known.
/// Errors go to the sync status, never to the application; stops on dispose.
/// </summary>
internal sealed class SyncLoop : IAsyncDisposable
{
    private static readonly TimeSpan WriteDelay = TimeSpan.FromMilliseconds(200);
    private readonly SyncEngine _engine;
    private readonly Func<bool> _hasMirrors;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Task? _task;

    public SyncLoop(SyncEngine engine, Func<bool> hasMirrors, TimeSpan interval)
    {
        _engine = engine;
        _hasMirrors = hasMirrors;
        _interval = interval;
        // An infinite interval turns the loop off: rounds run only on SyncAsync.
        if (interval != Timeout.InfiniteTimeSpan) _task = Task.Run(RunAsync);
    }

    /// <summary>Asks for a round soon (after a local write).</summary>
    public void Wake()
    {
        if (_task is null || _wake.CurrentCount != 0) return;
        try { _wake.Release(); }
        catch (SemaphoreFullException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                bool woken = await _wake.WaitAsync(_interval, ct).ConfigureAwait(false);
                if (woken) await Task.Delay(WriteDelay, ct).ConfigureAwait(false);
                if (!_hasMirrors()) continue;
                await _engine.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // RunAsync records unreachable mirrors itself; anything else is recorded here, never thrown.
                _engine.RecordError($"Background sync failed: {e.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { if (_task is not null) await _task.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _stop.Dispose();
        _wake.Dispose();
    }
}
