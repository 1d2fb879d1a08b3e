namespace MyNoSql.Grains.Changes;

/// <summary>
/// One database's change notifier (<see cref="IChangeNotifierGrain"/>): a version and a completion that waiting calls
/// share, replaced at every change. In memory only: a new activation starts at a new random version.
/// </summary>
[GrainType("chg")]
internal sealed class ChangeNotifierGrain : Grain, IChangeNotifierGrain
{
    private long _version = Random.Shared.NextInt64(1, long.MaxValue / 2);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask Changed()
    {
        _version++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public async ValueTask<long> WaitForChange(long known, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        if (known != _version) return _version;
        try
        {
            await _changed.Task.WaitAsync(maxWait, cancellationToken);
        }
        catch (TimeoutException) { }
        return _version;
    }
}
