namespace MyNoSql.Grains;

/// <summary>A grain that does nothing: the ceiling of the HTTP → grain path, measured by the cluster benchmark.</summary>
[Alias("mynosql.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    /// <summary>Returns <paramref name="value"/>.</summary>
    [Alias("Ping")]
    ValueTask<int> Ping(int value, CancellationToken cancellationToken = default);
}
