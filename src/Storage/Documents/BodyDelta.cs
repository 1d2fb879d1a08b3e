namespace MyNoSql.Storage.Documents;

/// <summary>
/// A compact binary delta between two bodies (history keeps each past body as a delta against its newer neighbour;
/// delta sync sends a changed record as a delta against a body the receiver holds). Deterministic; applying checks
/// the delta's own checksum of the result's length and the source it was made against.
/// </summary>
internal static class BodyDelta
{
    /// <summary>The delta that turns <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static byte[] Create(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to) => throw new NotImplementedException();

    /// <summary>Applies a delta made by <see cref="Create"/> against <paramref name="from"/>.</summary>
    /// <exception cref="FormatException">The delta is malformed or was made against another source.</exception>
    public static byte[] Apply(ReadOnlySpan<byte> from, ReadOnlySpan<byte> delta) => throw new NotImplementedException();
}
