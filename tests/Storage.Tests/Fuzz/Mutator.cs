namespace MyNoSql.Storage.Tests.Fuzz;

/// <summary>Seeded mutations of a file's bytes; each returns a short description for failure messages.</summary>
internal static class Mutator
{
    public static string Mutate(Random random, ref byte[] data)
    {
        if (data.Length == 0)
        {
            data = RandomBytes(random, random.Next(1, 64));
            return $"garbage of {data.Length} bytes into an empty file";
        }
        switch (random.Next(7))
        {
            case 0:
            {
                int flips = random.Next(1, 4);
                var at = new List<int>();
                for (int i = 0; i < flips; i++)
                {
                    int pos = random.Next(data.Length);
                    data[pos] ^= (byte)(1 << random.Next(8));
                    at.Add(pos);
                }
                return $"bit flips at {string.Join(",", at)}";
            }
            case 1:
            {
                int length = random.Next(data.Length);
                Array.Resize(ref data, length);
                return $"truncated to {length}";
            }
            case 2:
            {
                int from = random.Next(data.Length);
                int count = Math.Min(data.Length - from, 1 + random.Next(random.Next(2) == 0 ? 16 : 4096));
                Array.Clear(data, from, count);
                return $"zeroed [{from}, {from + count})";
            }
            case 3:
            {
                var garbage = RandomBytes(random, 1 + random.Next(random.Next(2) == 0 ? 32 : 8192));
                int old = data.Length;
                Array.Resize(ref data, old + garbage.Length);
                garbage.CopyTo(data, old);
                return $"{garbage.Length} bytes of garbage appended at {old}";
            }
            case 4:
            {
                int size = 1 + random.Next(Math.Max(1, Math.Min(4096, data.Length / 2)));
                if (data.Length < 2 * size) goto case 0;
                int a = random.Next(data.Length - 2 * size + 1);
                int b = a + size + random.Next(data.Length - a - 2 * size + 1);
                var tmp = data.AsSpan(a, size).ToArray();
                data.AsSpan(b, size).CopyTo(data.AsSpan(a));
                tmp.CopyTo(data.AsSpan(b));
                return $"swapped {size} bytes at {a} and {b}";
            }
            case 5:
            {
                int from = random.Next(data.Length);
                int count = Math.Min(data.Length - from, 1 + random.Next(64));
                random.NextBytes(data.AsSpan(from, count));
                return $"random bytes over [{from}, {from + count})";
            }
            default:
            {
                // A length-like field set to a huge value: 0xFF.. or 0x7F.. at a random 4-byte position.
                if (data.Length < 4) goto case 0;
                int pos = random.Next(data.Length - 3);
                byte high = random.Next(2) == 0 ? (byte)0xFF : (byte)0x7F;
                data[pos] = 0xFF; data[pos + 1] = 0xFF; data[pos + 2] = 0xFF; data[pos + 3] = high;
                return $"huge 32-bit value at {pos}";
            }
        }
    }

    public static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
