namespace MyNoSql.Grains.Storage;

/// <summary>
/// The mirror store could not be opened because a file in it is damaged, and this mirror does not set a damaged store
/// aside (<see cref="LzmaShardStorageOptions.SetAsideDamagedStore"/>: no other mirror is known to hold copies). The host
/// prints the message and exits with code 1, without a stack trace: the message names the file, the offset and what to do.
/// </summary>
internal sealed class MirrorStoreDamagedException(string message) : Exception(message);
