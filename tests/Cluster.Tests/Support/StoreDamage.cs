using System.Text;

namespace MyNoSql.Cluster.Tests.Support;

/// <summary>Damages a mirror's store on disk as a bad sector or a stray write would.</summary>
internal static class StoreDamage
{
    /// <summary>
    /// Flips 4 bytes inside the payload of the last log frame that stores record <paramref name="id"/> of
    /// <paramref name="db"/> in the store under <paramref name="dataDirectory"/> (frame: [len][crc][lsn][kind][flags][key
    /// length][key][revision][payload]), so its checksum fails. A running mirror reads it from the file once it left the
    /// engine's window of recent appends (64 KiB per shard) and is bigger than a cached log page.
    /// </summary>
    public static void Flip(string dataDirectory, string db, string id)
    {
        byte[] key = Encoding.UTF8.GetBytes($"record/rec/{db}/{id}");
        foreach (var file in Directory.GetFiles(Path.Combine(dataDirectory, "mirror"), "log-*.wal", SearchOption.AllDirectories))
        {
            byte[] data = File.ReadAllBytes(file);
            int found = -1;
            for (int at = data.AsSpan().IndexOf(key), from = 0; at >= 0; from += at + 1, at = data.AsSpan(from).IndexOf(key))
            {
                int i = from + at;
                // A put frame (kind 1) whose key length field is exactly this key's.
                if (i >= 20 && data[i - 4] == 1 && BitConverter.ToUInt16(data, i - 2) == key.Length) found = i;
            }
            if (found < 0) continue;
            int offset = found + key.Length + 20 + 64;
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
            stream.Position = offset;
            var bytes = new byte[4];
            stream.ReadExactly(bytes);
            for (int k = 0; k < bytes.Length; k++) bytes[k] ^= 0xFF;
            stream.Position = offset;
            stream.Write(bytes);
            return;
        }
        Assert.Fail($"No log frame of '{db}/{id}' under {dataDirectory}");
    }
}
