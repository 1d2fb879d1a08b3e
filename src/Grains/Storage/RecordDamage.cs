namespace MyNoSql.Grains.Storage;

/// <summary>
/// A record whose copy in this silo's store failed its checksum when read: where the engine found the damage and the
/// version the key had then (a write since replaced the damaged bytes).
/// </summary>
internal sealed record RecordDamage(string Database, string Id, string FilePath, long Offset, string Problem, ulong Version)
{
    /// <summary>Names the database, record, file and offset (logs and the 503's reason).</summary>
    public string Describe() =>
        $"this mirror's copy of record '{Id}' of database '{Database}' is damaged: {Problem} in '{FilePath}' at offset {Offset}";

    /// <summary>What the engine found wrong, without the file and offset its message starts with.</summary>
    public static string ProblemOf(CorruptDataException error)
    {
        string prefix = $"Corrupt data in '{error.FilePath}' at offset {error.Offset}: ";
        return error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
    }
}
