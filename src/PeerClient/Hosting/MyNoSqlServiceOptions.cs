namespace MyNoSql.Hosting;

/// <summary>
/// Options of <see cref="Microsoft.Extensions.DependencyInjection.MyNoSqlServiceCollectionExtensions.AddMyNoSql"/>: every
/// <see cref="MyNoSqlOptions"/> setting plus the database's <see cref="Name"/>. Bound from the configuration section
/// <c>MyNoSql</c> (e.g. <c>"MyNoSql": {"Name": "sensors", "DataDirectory": "/var/lib/app/db", "SyncInterval": "00:00:10"}</c>)
/// before the configure callback runs; validated when the host starts.
/// </summary>
public sealed class MyNoSqlServiceOptions : MyNoSqlOptions
{
    /// <summary>The database to open: 1–64 chars of [a-z0-9_-], starting with a letter.</summary>
    public string Name { get; set; } = "";

    /// <summary>Mirrors added when the database opens (as <see cref="MyNoSqlDb.AddPeerAsync"/>; already known ones are
    /// kept as they are). Empty: the mirrors the database remembers on disk.</summary>
    public IList<string> Mirrors { get; } = [];
}
