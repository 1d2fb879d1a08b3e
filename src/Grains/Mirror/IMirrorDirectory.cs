namespace MyNoSql.Grains;

/// <summary>The live mirrors of the cluster, for <c>GET /mirrors</c>.</summary>
public interface IMirrorDirectory
{
    /// <summary>The base URL of every active mirror's HTTP gateway, sorted.</summary>
    Task<IReadOnlyList<string>> GetMirrorUrlsAsync(CancellationToken cancellationToken = default);
}
