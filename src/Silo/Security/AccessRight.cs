namespace MyNoSql.Silo.Security;

/// <summary>What an API key may do on its databases; each right includes the ones before it.</summary>
internal enum AccessRight
{
    /// <summary>Read records and pull changes: GET document and list routes, sync poll, changes and fetch.</summary>
    Read = 1,

    /// <summary>Read, plus save and delete records and push sync batches.</summary>
    Write = 2,

    /// <summary>Write, plus the mirror's diagnostics routes (<c>/_mirror/…</c>).</summary>
    Admin = 3,
}
