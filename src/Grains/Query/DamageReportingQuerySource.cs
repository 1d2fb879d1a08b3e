using MyNoSql.Grains.Storage;
using MyNoSql.Storage.Query;

namespace MyNoSql.Grains.Query;

/// <summary>
/// This silo's query source for one database, which turns a damaged copy met by a query (the engine's
/// <see cref="CorruptDataException"/>) into a noted damage — anti-entropy rewrites it from the other mirrors
/// (<see cref="MirrorStore.ReplaceDamagedAsync"/>) — and a <see cref="DamagedRecordException"/>: 503 <c>unavailable</c>
/// naming the database, id, file and offset, rather than a 500 or an answer that silently leaves the record out.
/// </summary>
internal sealed class DamageReportingQuerySource(IQuerySource inner, string database, MirrorStore store) : IQuerySource
{
    public string Context => inner.Context;

    public IReadOnlyList<ISecondaryIndex> Indexes => inner.Indexes;

    public IEnumerable<string> LiveIds(string? after) => inner.LiveIds(after);

    public async ValueTask<LiveDocument> ReadLiveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.ReadLiveAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (CorruptDataException e)
        {
            var damage = store.NoteDamage(MirrorKeys.Record(database, id), e);
            throw new DamagedRecordException($"A query of database '{database}' cannot be answered now: {damage.Describe()}; "
                + "anti-entropy rewrites it from the other mirrors' copies, retry.");
        }
    }
}
