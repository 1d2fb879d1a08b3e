namespace MyNoSql.Storage.Query;

/// <summary>The comparison operators of Mango.</summary>
internal enum CompareOp
{
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}
