namespace MyNoSql.Grains;

/// <summary>Result of <see cref="IIndexCatalogGrain.Create"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Reason">For <see cref="IndexCreateStatus.Conflict"/> and <see cref="IndexCreateStatus.Invalid"/>, what is wrong; otherwise null.</param>
[GenerateSerializer, Immutable, Alias("mynosql.IndexCreateReply")]
public sealed record IndexCreateReply(
    [property: Id(0)] IndexCreateStatus Status,
    [property: Id(1)] string? Reason = null);
