namespace MyNoSql.Grains;

/// <summary>Outcome of creating an index in the cluster-wide catalog.</summary>
[GenerateSerializer, Alias("mynosql.IndexCreateStatus")]
public enum IndexCreateStatus
{
    /// <summary>The index is new: the catalog holds it and every live mirror was asked to build it.</summary>
    Created = 0,

    /// <summary>An index of that name with the same fields exists: nothing changed.</summary>
    Exists = 1,

    /// <summary>The name is taken by an index with other fields: nothing changed.</summary>
    Conflict = 2,

    /// <summary>The name or the fields are not valid: nothing changed.</summary>
    Invalid = 3,
}
