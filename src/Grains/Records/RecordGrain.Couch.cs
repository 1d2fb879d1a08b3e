namespace MyNoSql.Grains.Records;

/// <summary>The CouchDB protocol's calls (<see cref="ICouchRecordGrain"/>, src/Silo/Couch): foreign revisions kept as given.</summary>
internal sealed partial class RecordGrain : ICouchRecordGrain
{
    public ValueTask<MergeStatus> AcceptForeign(ReplicatedRevision revision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revision);
        // A foreign revision carries no hybrid-clock stamp: it gets this silo's, as a save here would (merge policies' Latest).
        if (revision.Stamp == 0) revision = revision with { Stamp = NewEdit().Stamp };
        return AcceptAsync(revision, requireDerived: false, cancellationToken);
    }
}
