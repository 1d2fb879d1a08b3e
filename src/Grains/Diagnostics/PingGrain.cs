using Orleans.Concurrency;

namespace MyNoSql.Grains.Diagnostics;

/// <summary>Stateless, local to the calling silo: measures the gateway and runtime without storage.</summary>
[StatelessWorker]
internal sealed class PingGrain : Grain, IPingGrain
{
    public ValueTask<int> Ping(int value, CancellationToken cancellationToken = default) => ValueTask.FromResult(value);
}
