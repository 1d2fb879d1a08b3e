using Orleans.Concurrency;

namespace MyNoSql.Grains;

/// <summary>
/// The change notifier of one database (key: the database name): a version that moves whenever one of the database's
/// index segments records a change. Change feeds wait on it instead of polling the 64 segments: each silo keeps one
/// waiting call per database with subscribers and fans the wake-up out locally. The version starts at a random value
/// per activation, so a notifier that moved to another silo is seen as a change (a harmless re-check).
/// </summary>
[Alias("mynosql.IChangeNotifierGrain")]
public interface IChangeNotifierGrain : IGrainWithStringKey
{
    /// <summary>An index segment recorded a change (one-way: a write never waits for it).</summary>
    [Alias("Changed"), OneWay]
    ValueTask Changed();

    /// <summary>
    /// The current version, as soon as it differs from <paramref name="known"/>, or after <paramref name="maxWait"/>
    /// (then possibly equal). Interleaves, so many waits and <see cref="Changed"/> run together.
    /// </summary>
    [Alias("WaitForChange"), AlwaysInterleave]
    ValueTask<long> WaitForChange(long known, TimeSpan maxWait, CancellationToken cancellationToken = default);
}
