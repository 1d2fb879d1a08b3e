namespace MyNoSql.Storage.Engine;

/// <summary>
/// Once per process, while a store opens, runs the cold read path (the LZMA decoder, block parsing, the cache's generic
/// instantiations) on a tiny embedded block in the background. Measured: the first read in a new process cost
/// ~35–50 ms of one-time JIT and setup, the second ~1.5 ms; opening a large store hides this completely.
/// </summary>
internal static class WarmUp
{
    private static int s_started;

    // One slot holding {"warm":"up"} plus padding, LZMA-compressed by LzmaBlockCodec (dictionary 4 KiB).
    private static readonly byte[] s_properties = [0x5D, 0x00, 0x10, 0x00, 0x00];
    private static readonly byte[] s_data =
    [
        0x00, 0x00, 0x84, 0x95, 0x6F, 0x3E, 0xE7, 0xB0, 0xE1, 0x5C, 0x96, 0xE8, 0xFD, 0x18, 0x48, 0x67, 0x64, 0x7E,
        0xC4, 0xCF, 0x96, 0xAE, 0x00,
    ];
    private const int RawLength = 18;

    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0) return;
        _ = Task.Run(static () =>
        {
            try
            {
                Run();
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or OverflowException)
            {
                // Only an optimisation; the real read path reports real errors.
            }
        });
    }

    /// <summary>The warm-up itself (synchronous; tests call it to prove the embedded block decodes).</summary>
    internal static string Run()
    {
        var cache = new BlockCache(1 << 20, 4096);
        var block = cache.Get(0, 0, static () =>
        {
            var raw = new byte[RawLength];
            LzmaBlockCodec.Decompress(s_properties, s_data, 0, s_data.Length, raw, RawLength);
            return DecodedBlock.TryParse(raw, RawLength, null) ?? throw new InvalidDataException("warm-up block");
        });
        string text = System.Text.Encoding.UTF8.GetString(block.Slot(0));
        block.Release();
        cache.Evict(0);
        return text;
    }
}
