namespace MyNoSql.Storage.Query;

/// <summary>One entry of a Mango <c>sort</c>: a field and its direction.</summary>
internal readonly record struct SortField(FieldPath Path, bool Descending);
