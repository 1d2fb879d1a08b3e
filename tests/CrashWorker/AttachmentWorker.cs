using System.Security.Cryptography;
using MyNoSql;

/// <summary>
/// Crash-test child for attachments: puts bodies of 0.1–3 MiB (random bytes) on new records with two tasks and prints
/// "ACK &lt;id&gt; &lt;rev&gt; &lt;digest&gt; &lt;length&gt;" only after each PutAttachmentAsync returned.
/// </summary>
internal static class AttachmentWorker
{
    public static async Task<int> RunAsync(MyNoSqlOptions options, string dbName, string prefix)
    {
        await using var db = await MyNoSqlDb.OpenAsync(dbName, options);
        var gate = new Lock();
        Console.WriteLine("READY");
        Console.Out.Flush();
        var workers = Enumerable.Range(0, 2).Select(t => Task.Run(async () =>
        {
            var random = new Random(Environment.ProcessId * 17 + t);
            for (long n = 0; ; n++)
            {
                var body = new byte[random.Next(100_000, 3_000_000)];
                random.NextBytes(body);
                string id = $"{prefix}/t{t}/{n}";
                var saved = await db.PutAttachmentAsync(id, null, "body.bin", new MemoryStream(body));
                string digest = "sha256-" + Convert.ToBase64String(SHA256.HashData(body));
                lock (gate)
                {
                    Console.WriteLine($"ACK {id} {(string)saved["rev"]!} {digest} {body.Length}");
                    Console.Out.Flush();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return 0;
    }
}
