namespace MyNoSql.Grains.Sync;

/// <summary>Every call once (the simulation, whose network decides failures itself).</summary>
internal sealed class NoRetryPolicy : ICallRetryPolicy
{
    public static readonly NoRetryPolicy Instance = new();

    public Task<T> RunAsync<T>(Func<bool, Task<T>> call, CancellationToken cancellationToken) => call(false);
}
