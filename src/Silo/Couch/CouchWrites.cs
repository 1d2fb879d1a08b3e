using MyNoSql.Grains;
using MyNoSql.Grains.Query;
using MyNoSql.Silo.Gateway;
using MyNoSql.Storage.Diagnostics;
using MyNoSql.Storage.Documents;

namespace MyNoSql.Silo.Couch;

/// <summary>The outcome of writing one CouchDB document: its rev, or CouchDB's error code and reason.</summary>
internal sealed record CouchWriteResult(string Id, string? Rev, string? Error = null, string? Reason = null)
{
    public bool Ok => Error is null;

    /// <summary>The HTTP status of a single-document write with this outcome.</summary>
    public int Status => Error switch
    {
        null => 201,
        "conflict" => 409,
        "not_found" => 404,
        "missing_stub" => 412,
        _ => 400,
    };
}

/// <summary>
/// Writes one CouchDB document through its record grain: <c>new_edits=false</c> stores the given revision with its
/// ancestry as is (<see cref="ICouchRecordGrain.AcceptForeign"/>: a conflict is kept as another leaf, as CouchDB does);
/// otherwise a save or delete with the usual revision check (<see cref="RetriedWrites"/>: a retried call after a lost
/// silo does not turn into a conflict), where a save naming a losing conflict leaf continues that branch as in CouchDB.
/// A write durable here but not yet on a write quorum is reported ok (CouchDB answers such writes with 202; anti-entropy
/// completes them).
/// </summary>
internal static class CouchWrites
{
    public static async Task<CouchWriteResult> WriteAsync(HttpContext context, string db, CouchInput doc, bool newEdits)
    {
        string id = doc.Id!;
        try
        {
            doc = await CouchAttachmentsIn.ResolveAsync(context, db, doc, newEdits);
        }
        catch (CouchRequestException e)
        {
            return new CouchWriteResult(id, doc.Rev, e.Error, e.Message);
        }
        CouchWriteResult result;
        if (newEdits && doc.ExplicitAttachments)
        {
            // Inline attachment data in a normal save: the body holds the complete new stubs, which a save cannot set (only
            // the attachment API changes stubs), so the next revision of the winner is made here, derived as a save derives
            // it, and stored as a replicated one. A save landing between the read of the winner and this write makes the
            // two revisions conflicting leaves instead of a 409 for this one (README, Deviations).
            result = await ChildAsync(context, db, id, doc.Parent, doc.Body);
        }
        else if (!newEdits)
        {
            var wire = new ReplicatedRevision(doc.Rev!, doc.Deleted, [.. doc.Ancestry!.Select(a => a.ToString())], doc.Body);
            var grain = CouchHttp.Grains(context).GetGrain<ICouchRecordGrain>(RecordKey.For(db, id));
            var status = await ClusterCall.RetryAsync(context, () => grain.AcceptForeign(wire, context.RequestAborted).AsTask());
            CountConflict(db, status);
            result = status == MergeStatus.Invalid
                ? new CouchWriteResult(id, doc.Rev, "doc_validation", $"Revision '{doc.Rev}' of '{id}' cannot be stored: its body is not a valid record (see the mirror's log).")
                : new CouchWriteResult(id, doc.Rev);
        }
        else if (doc.Deleted)
        {
            var reply = await RetriedWrites.DeleteAsync(context, CouchHttp.Record(context, db, id), doc.Rev);
            result = reply.Status switch
            {
                RecordStatus.Ok or RecordStatus.QuorumUnavailable => new CouchWriteResult(id, reply.Rev),
                RecordStatus.NotFound => new CouchWriteResult(id, null, "not_found", "deleted"),
                _ => new CouchWriteResult(id, null, "conflict", "Document update conflict."),
            };
        }
        else
        {
            var record = CouchHttp.Record(context, db, id);
            var reply = await RetriedWrites.SaveAsync(context, record, doc.Rev, doc.Body);
            result = reply.Status switch
            {
                RecordStatus.Ok or RecordStatus.QuorumUnavailable => new CouchWriteResult(id, reply.Document!.Rev),
                RecordStatus.Conflict => new CouchWriteResult(id, null, "conflict", "Document update conflict."),
                _ => new CouchWriteResult(id, null, "doc_validation", reply.Reason ?? "The document cannot be stored."),
            };
            // CouchDB edits a losing conflict leaf its _rev names (the next revision on that branch); our save only edits the
            // winner (DESIGN §2), so such a leaf is continued here, keeping its attachments as a save keeps the winner's.
            if (reply.Status == RecordStatus.Conflict && doc.Rev is not null
                && (await ClusterCall.RetryAsync(context, () => record.GetLeaves(context.RequestAborted).AsTask()))
                    .Skip(1).FirstOrDefault(l => !l.Deleted && string.Equals(l.Rev, doc.Rev, StringComparison.Ordinal)) is { } loser)
                result = await ChildAsync(context, db, id, loser, DocumentRules.KeepStubsOf(loser.Body, doc.Body).ToArray());
        }
        // Before the answer: a _find through this gateway after it must reflect the write (read-your-writes), as native saves.
        if (result.Ok && newEdits) context.RequestServices.GetRequiredService<AcknowledgedWrites>().Note(db, id, result.Rev!);
        return result;
    }

    /// <summary>A stored revision kept beside another leaf: counted on this mirror, which received it (replication to
    /// the others does not count it again).</summary>
    private static void CountConflict(string db, MergeStatus status)
    {
        if (status == MergeStatus.Conflict) MyNoSqlMetrics.Conflicts.Add(1, MyNoSqlMetrics.Db(db));
    }

    /// <summary>
    /// Writes the next revision after <paramref name="parent"/> (null: a creation) with <paramref name="body"/>, derived
    /// from the content as a save derives it, stored as a replicated one (<see cref="ICouchRecordGrain.AcceptForeign"/>):
    /// how /couch edits what a save cannot (a losing leaf, a new set of attachment stubs). A retry stores the same revision.
    /// </summary>
    private static async Task<CouchWriteResult> ChildAsync(HttpContext context, string db, string id, ReplicatedRevision? parent, byte[] body)
    {
        var rev = Revision.Next(parent is null ? default : Revision.Parse(parent.Rev), deleted: false, body).ToString();
        string[] ancestry = parent is null ? [] : [parent.Rev, .. parent.Ancestry];
        var grain = CouchHttp.Grains(context).GetGrain<ICouchRecordGrain>(RecordKey.For(db, id));
        var status = await ClusterCall.RetryAsync(context, () => grain.AcceptForeign(new ReplicatedRevision(rev, false, ancestry, body), context.RequestAborted).AsTask());
        CountConflict(db, status);
        return status == MergeStatus.Invalid
            ? new CouchWriteResult(id, null, "doc_validation", $"'{id}' cannot be stored: its body is not a valid record (see the mirror's log).")
            : new CouchWriteResult(id, rev);
    }
}
