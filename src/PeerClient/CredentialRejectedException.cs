namespace MyNoSql;

/// <summary>
/// A mirror rejected the peer's credential (<see cref="MyNoSqlOptions.ApiKey"/>): 401 for a missing, unknown, revoked
/// or expired key, 403 for a key without the right or the database. The sync round stopped there (keys are the same
/// on every mirror, so the next mirror is not tried); the outbox is kept and the next round after the key is fixed
/// resumes. The message names the database, the mirror and its reason, never the key.
/// </summary>
public sealed class CredentialRejectedException : MyNoSqlException
{
    /// <summary>Creates the exception.</summary>
    public CredentialRejectedException(string message, string mirror, int statusCode) : base(message)
    {
        Mirror = mirror;
        StatusCode = statusCode;
    }

    /// <summary>Base URL of the mirror that rejected the credential.</summary>
    public string Mirror { get; }

    /// <summary>401 (missing, unknown, revoked or expired key) or 403 (insufficient rights for the database).</summary>
    public int StatusCode { get; }
}
