namespace MyNoSql.Silo.Security;

/// <summary>What the request's credential turned out to be (set by <see cref="AuthenticationMiddleware"/>).</summary>
internal enum CredentialState
{
    /// <summary>Authentication is off (loopback gateway without a key file).</summary>
    NotRequired,

    /// <summary>No <c>Authorization</c> or <c>X-Api-Key</c> header.</summary>
    Missing,

    /// <summary>An <c>Authorization</c> header of another scheme than Bearer, or an empty key.</summary>
    Malformed,

    /// <summary>No key in the key file matches (unknown, or revoked by removing it).</summary>
    Unknown,

    /// <summary>A known key past its <c>expires</c> time.</summary>
    Expired,

    /// <summary>A known, current key.</summary>
    Valid,
}

/// <summary>The request's authentication result, kept in <see cref="HttpContext.Features"/>.</summary>
/// <param name="State">What was presented.</param>
/// <param name="Key">The matching key (Valid and Expired), else null.</param>
/// <param name="Detail">For Malformed: what was wrong (never the key).</param>
internal sealed record Credential(CredentialState State, ApiKey? Key = null, string? Detail = null)
{
    public static readonly Credential NotRequired = new(CredentialState.NotRequired);

    /// <summary>The rate limiter's partition: the key's name and the client address, or the address alone.</summary>
    public string Partition(HttpContext context)
    {
        string ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return State == CredentialState.Valid ? $"key:{Key!.Name}|{ip}" : $"ip:{ip}";
    }
}
