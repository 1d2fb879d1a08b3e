using Orleans.Runtime;

namespace MyNoSql.Grains.Storage;

/// <summary>
/// Keys in a mirror's local store. Grain state is stored under <c>"{stateName}/{grainId}"</c>; a record's state
/// is <c>"record/rec/{db}/{id}"</c>, so replication (which writes another silo's copy without the grain) and
/// the storage provider agree on where a record lives, and a database's records share one prefix.
/// </summary>
internal static class MirrorKeys
{
    /// <summary>State name of <see cref="Records.RecordGrain"/>'s persistent state.</summary>
    public const string RecordStateName = "record";

    /// <summary>Grain type of <see cref="Records.RecordGrain"/>.</summary>
    public const string RecordGrainType = "rec";

    /// <summary>Grain type of <see cref="Index.IndexSegmentGrain"/>.</summary>
    public const string SegmentGrainType = "idx";

    /// <summary>Prefix of every record key.</summary>
    public const string RecordPrefix = RecordStateName + "/" + RecordGrainType + "/";

    public static string ForState(string stateName, GrainId grainId) => string.Concat(stateName, "/", grainId.ToString());

    public static string Record(string database, string id) => string.Concat(RecordPrefix, database, "/", id);

    public static string DatabasePrefix(string database) => string.Concat(RecordPrefix, database, "/");

    /// <summary>Splits a record key into database and id; false for keys of other state.</summary>
    public static bool TryParseRecord(string key, out string database, out string id)
    {
        database = id = "";
        if (!key.StartsWith(RecordPrefix, StringComparison.Ordinal)) return false;
        int slash = key.IndexOf('/', RecordPrefix.Length);
        if (slash <= RecordPrefix.Length) return false;
        database = key[RecordPrefix.Length..slash];
        id = key[(slash + 1)..];
        return id.Length > 0;
    }
}
