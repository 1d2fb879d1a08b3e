namespace MyNoSql.Grains;

/// <summary>Reaches the <see cref="IMirrorService"/> of a specific silo (for diagnostics and tests).</summary>
public interface IMirrorLocalAccess
{
    /// <summary>The mirror service of <paramref name="silo"/>.</summary>
    IMirrorService For(SiloAddress silo);
}
