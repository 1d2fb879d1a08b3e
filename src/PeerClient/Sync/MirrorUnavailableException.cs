namespace MyNoSql.Sync;

/// <summary>
/// Thrown by an <see cref="ISyncTransport"/> when a mirror cannot be used now (unreachable, timed out, or it answered
/// with an error): the sync round tries the next known mirror. Any other exception from a transport ends the round.
/// </summary>
public sealed class MirrorUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, starting with the mirror's URL.</param>
    /// <param name="inner">The transport's own error, if any.</param>
    public MirrorUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
