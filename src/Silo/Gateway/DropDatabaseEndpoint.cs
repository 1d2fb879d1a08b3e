using Microsoft.Extensions.Options;
using MyNoSql.Grains;
using MyNoSql.Grains.Mirror;
using MyNoSql.Storage.Documents;
using MyNoSql.Storage.Index;
using MyNoSql.Silo.Configuration;
using Orleans.Core.Internal;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// <c>DELETE /db/{db}</c> (DESIGN §11; admin right when API keys are on, see src/Silo/Gateway/DropDatabase.md): removes the
/// database on every active mirror — records, index segments, secondary indexes and catalog, merge policy, attachment chunks —
/// and leaves a durable drop marker on each, so nothing made before the drop comes back. 200 <c>{"ok":true}</c> once every
/// active mirror confirmed; 404 <c>not_found</c> when none holds a record of it; 400 <c>invalid_db</c>; 503
/// <c>unavailable</c> when a mirror could not be asked or did not confirm (the DELETE may be repeated) or with shared storage.
/// </summary>
internal static partial class DropDatabaseEndpoint
{
    /// <summary>How long one mirror is given to drop its copy (it clears keys and compacts its store).</summary>
    private static readonly TimeSpan DropTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app) => app.MapDelete("/db/{db}", (HttpContext context, string db) =>
    {
        // Routing takes /db/{db}/ too, and that is what curl, browsers and URL libraries make of a record named "..":
        // DELETE /db/d/doc/.. is sent as DELETE /db/d/. Only the exact path drops the database.
        string path = RequestTargets.PathAsSent(context);
        return path.EndsWith('/')
            ? ApiResponse.ErrorAsync(context, 400, "bad_request",
                $"DELETE {ApiResponse.Quote(path)} is refused: to drop database '{db}' send DELETE /db/{db} (no trailing slash). A record named '.' or '..' is addressed as /db/{db}/doc/%2E or /db/{db}/doc/%2E%2E.")
            : DropAsync(context, db);
    });

    /// <summary>The drop itself; also CouchDB's <c>DELETE /couch/{db}</c> (src/Silo/Couch), which checks the name first.</summary>
    internal static async Task DropAsync(HttpContext context, string db)
    {
        if (!await DocumentEndpoints.CheckDatabaseAsync(context, db) || await ServerEndpoints.StoreAsync(context) is null) return;
        var services = context.RequestServices;
        if (services.GetRequiredService<IOptions<MirrorOptions>>().Value.ReadOnly)
        {
            // Admin routes pass the read-only filter (it refuses writes); dropping a database is the largest write of all.
            await ApiResponse.ErrorAsync(context, 403, "read_only", $"This mirror is read-only: DELETE {context.Request.Path} would drop database '{db}'; send it to a writable mirror.");
            return;
        }
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var mirrors = services.GetRequiredService<IMirrorServiceClient>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DropDatabaseEndpoint).FullName!);
        var failed = new List<string>();
        void Failed(Exception e, SiloAddress silo)
        {
            LogMirrorFailed(logger, e, db, silo);
            lock (failed) failed.Add($"{silo} ({e.GetType().Name}: {e.Message})");
        }

        var listings = await SiloFanOut.AskAsync(membership, silo => mirrors.For(silo).ListDatabases(context.RequestAborted), AskTimeout, Failed, context.RequestAborted);
        if (!listings.Any(l => l is not null && l.Contains(db, StringComparer.Ordinal)))
        {
            if (failed.Count == 0)
                await ApiResponse.ErrorAsync(context, 404, "not_found", $"No mirror holds a record of database '{db}'.");
            else
                await ApiResponse.ErrorAsync(context, 503, "unavailable", $"Database '{db}' is on no mirror that answered; not asked: {string.Join("; ", failed)}.");
            return;
        }

        // One stamp for the drop, from this silo's clock: every mirror observes it, so what they make afterwards is newer.
        long stamp = services.GetRequiredService<HybridClock>().Next();
        LogDropping(logger, db, stamp);
        await SiloFanOut.AskAsync(membership, silo => mirrors.For(silo).DropDatabase(db, stamp, CancellationToken.None), DropTimeout, Failed, context.RequestAborted);
        // Grains of the database that hold its state in memory start again from the emptied copies.
        await DeactivateAsync(services.GetRequiredService<IGrainFactory>(), db, logger);
        if (failed.Count > 0)
        {
            await ApiResponse.ErrorAsync(context, 503, "unavailable",
                $"Database '{db}' was dropped, but not every mirror confirmed it: {string.Join("; ", failed)}. Repeat the DELETE; a mirror that was down drops its copy before it serves again.");
            return;
        }
        await ApiResponse.OkAsync(context);
    }

    /// <summary>Deactivates the index segments, the index catalog and the merge policy grain of <paramref name="db"/>.</summary>
    private static async Task DeactivateAsync(IGrainFactory grains, string db, ILogger logger)
    {
        IEnumerable<IAddressable> targets = [
            .. Enumerable.Range(0, IndexSegment.Count).Select(s => grains.GetGrain<IIndexSegmentGrain>(RecordKey.Segment(db, s))),
            grains.GetGrain<IIndexCatalogGrain>(db),
            grains.GetGrain<IMergePolicyGrain>(db)];
        await Task.WhenAll(targets.Select(async grain =>
        {
            try
            {
                await grain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
            }
            catch (Exception e)
            {
                LogDeactivateFailed(logger, e, db, grain.GetGrainId().ToString());
            }
        }));
    }

    [LoggerMessage(EventId = 3270, Level = LogLevel.Information, Message = "Dropping database '{Database}' on every active mirror (drop stamp {Stamp})")]
    private static partial void LogDropping(ILogger logger, string database, long stamp);

    [LoggerMessage(EventId = 3271, Level = LogLevel.Warning, Message = "Dropping database '{Database}': mirror {Silo} failed or did not answer in time")]
    private static partial void LogMirrorFailed(ILogger logger, Exception error, string database, SiloAddress silo);

    [LoggerMessage(EventId = 3272, Level = LogLevel.Warning, Message = "Dropping database '{Database}': grain {Grain} could not be deactivated")]
    private static partial void LogDeactivateFailed(ILogger logger, Exception error, string database, string grain);
}
