using MyNoSql.Storage.Query;

namespace MyNoSql.Grains.Query;

/// <summary>A database this silo holds no record of and no index for: every query answers nothing.</summary>
internal sealed class EmptyQuerySource(string context) : IQuerySource
{
    public string Context => context;

    public IReadOnlyList<ISecondaryIndex> Indexes => [];

    public IEnumerable<string> LiveIds(string? after) => [];

    public ValueTask<LiveDocument> ReadLiveAsync(string id, CancellationToken cancellationToken) => ValueTask.FromResult(default(LiveDocument));
}
