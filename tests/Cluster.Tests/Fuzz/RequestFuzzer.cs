using System.Globalization;
using System.Text;

namespace MyNoSql.Cluster.Tests.Fuzz;

/// <summary>
/// Seeded generator of gateway requests: a valid request for a random route of DESIGN §4 or the sync protocol,
/// then a few mutations of its method, path, query, content type, framing or body (bit flips, truncation,
/// splices, invalid UTF-8, deep nesting, random binary).
/// </summary>
internal sealed class RequestFuzzer(Random random, FuzzCorpus corpus)
{
    private const string Json = "application/json";
    private const string Batch = "application/x-mynosql-batch";

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FUZZ", "get", "M-SEARCH"];
    private static readonly string[] ContentTypes =
    [
        Json, "application/json; charset=utf-8", "application/vnd.x+json", "text/plain", "application/xml", Batch,
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/json; charset=utf-16", ";;;",
        "application/octet-stream", "*/*", "application/json, text/plain", "APPLICATION/X-MYNOSQL-BATCH",
    ];
    private static readonly string[] HostileDbs =
    [
        "..", "%2e%2e", ".", "a%2fb", "a%2Fb", "Base", "b%C3%A9", "a%20b", "_x", "-x", "9db", new string('d', 65), new string('d', 10_000),
        "%", "%zz", "fuzz%00", "a;b", "a..b", "%E2%80%AE", "db%3Fx",
    ];
    private static readonly string[] HostileIds =
    [
        "..", "../..", "%2e%2e", "%2f", "%2F..%2F..%2F", "a%00b", "%zz", "%", "%C3%28", "%FF%FE", "a/b/c", "a//b", "/", "%2F",
        "%E2%82%AC", "%F0%9F%98%80", "%ED%A0%80", "x%3Fy%3Dz", "%23frag", "a%20b", "%1b%5b31m", new string('i', 513), new string('i', 10_000),
        string.Concat(Enumerable.Repeat("%E2%82%AC", 200)), "id;rev=1", "CON", "NUL", "con.txt",
    ];

    private T Seeded<T>(T[] from) => from[random.Next(from.Length)];

    public HostileRequest Next(int index)
    {
        string db = random.Next(10) switch { < 4 => corpus.BaseDb, < 7 => corpus.FuzzDbs[0], _ => corpus.FuzzDbs[1] };
        string id = random.Next(3) switch
        {
            0 => Uri.EscapeDataString(corpus.BaseIds[random.Next(corpus.BaseIds.Count)]),
            1 => $"f{random.Next(200)}",
            _ => "n/" + random.Next(1_000_000).ToString(CultureInfo.InvariantCulture),
        };
        var request = Template(db, id);
        var what = new List<string>();
        int mutations = random.Next(10) == 0 ? 0 : 1 + random.Next(3);
        for (int m = 0; m < mutations; m++) request = Mutate(request, what);
        return request with { Name = $"#{index} {string.Join(", ", what.DefaultIfEmpty("valid"))}", Framing = request.Framing || IsFramingRisk(request) };
    }

    private HostileRequest Template(string db, string id)
    {
        (string, string)[] json = [("Content-Type", Json)];
        switch (random.Next(12))
        {
            case 0: return new("", "POST", $"/db/{db}/doc", json, Document(null));
            case 1:
            case 2: return new("", "PUT", $"/db/{db}/doc/{id}", json, Document(random.Next(3) == 0 ? corpus.SomeRev(random) : null));
            case 3: return new("", "GET", $"/db/{db}/doc/{id}", [], null);
            case 4: return new("", "DELETE", $"/db/{db}/doc/{id}?rev={corpus.SomeRev(random)}", [], null);
            case 5:
                return new("", "GET", $"/db/{db}/docs?prefix={Uri.EscapeDataString(random.Next(2) == 0 ? "" : "/c")}&limit={random.Next(1, 300)}" +
                    (random.Next(3) == 0 ? $"&after={id}" : ""), [], null);
            case 6: return new("", "GET", $"/db/{db}/sync/changes?since={(random.Next(2) == 0 ? corpus.Checkpoint : "")}&limit={random.Next(1, 2000)}", [], null);
            case 7: return new("", "GET", $"/db/{db}/sync/poll?t={corpus.PollToken}", [], null);
            case 8:
                var ids = Enumerable.Range(0, random.Next(0, 20)).Select(_ => corpus.BaseIds[random.Next(corpus.BaseIds.Count)]);
                return new("", "POST", $"/db/{db}/sync/fetch", json, Encoding.UTF8.GetBytes("[" + string.Join(",", ids.Select(i => "\"" + i + "\"")) + "]"));
            case 9:
            case 10: return new("", "POST", $"/db/{db}/sync/push", [("Content-Type", Batch)], (byte[])corpus.Batches[random.Next(corpus.Batches.Count)].Clone());
            default: return new("", "GET", Seeded(["/healthz", "/mirrors", $"/_mirror/local/{db}", "/_mirror/ping", "/", "/db", $"/db/{db}"]), [], null);
        }
    }

    private byte[] Document(string? rev)
    {
        var sb = new StringBuilder("{");
        if (rev is not null) sb.Append("\"rev\":\"").Append(rev).Append("\",");
        int fields = random.Next(6);
        for (int i = 0; i < fields; i++)
        {
            sb.Append('"').Append((char)('a' + random.Next(26))).Append(i).Append("\":");
            sb.Append(random.Next(5) switch
            {
                0 => random.Next().ToString(CultureInfo.InvariantCulture),
                1 => "\"caf\u00e9 \\u00e9 \\n text\"",
                2 => "[1,2,{\"x\":null}]",
                3 => "true",
                _ => "{\"nested\":{\"deep\":[\"a\",1.5e3]}}",
            });
            sb.Append(',');
        }
        sb.Append("\"t\":").Append(random.Next(1000)).Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private HostileRequest Mutate(HostileRequest r, List<string> what)
    {
        switch (random.Next(16))
        {
            case 0:
                what.Add("method");
                return r with { Method = Seeded(Methods) };
            case 1:
                what.Add("db");
                return r with { Target = ReplaceSegment(r.Target, 1, Seeded(HostileDbs)) };
            case 2:
                what.Add("id");
                return r with { Target = ReplaceSegment(r.Target, 3, Seeded(HostileIds)) };
            case 3:
                what.Add("path chars");
                return r with { Target = InsertChars(r.Target) };
            case 4:
                what.Add("query");
                return r with { Target = r.Target + (r.Target.Contains('?', StringComparison.Ordinal) ? "&" : "?") + RandomQuery() };
            case 5:
                what.Add("content type");
                return r with { Headers = [.. r.Headers.Where(h => h.Name != "Content-Type"), .. random.Next(6) == 0 ? Array.Empty<(string, string)>() : [("Content-Type", Seeded(ContentTypes))]] };
            case 6:
                what.Add("chunked");
                return r with { Chunked = r.Body is not null };
            case 7:
                what.Add("extra header");
                return r with
                {
                    Headers = [.. r.Headers, Seeded<(string, string)>([("Content-Encoding", "gzip"), ("Content-Encoding", "br"), ("Expect", "100-continue"),
                        ("Accept-Encoding", "br"), ("X-Big", new string('h', 4000)), ("Accept", "text/html"), ("Transfer-Encoding", "identity")])],
                };
            default:
                var body = r.Body ?? [];
                string how = MutateBody(ref body, r);
                what.Add("body " + how);
                return r with { Body = body };
        }
    }

    private string MutateBody(ref byte[] body, HostileRequest r)
    {
        switch (random.Next(10))
        {
            case 0:
                if (body.Length == 0) goto case 5;
                for (int i = random.Next(1, 4); i > 0; i--) body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                return "bit flips";
            case 1:
                Array.Resize(ref body, random.Next(body.Length + 1));
                return "truncated";
            case 2:
                var other = random.Next(2) == 0 ? Document(null) : corpus.Batches[random.Next(corpus.Batches.Count)];
                body = [.. body.AsSpan(0, random.Next(body.Length + 1)), .. other.AsSpan(random.Next(other.Length + 1))];
                return "spliced";
            case 3:
                int at = random.Next(body.Length + 1);
                byte[] bad = Seeded<byte[]>([[0xC3], [0xFF, 0xFE], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0x80], [0]]);
                body = [.. body.AsSpan(0, at), .. bad, .. body.AsSpan(at)];
                return "invalid UTF-8";
            case 4:
                int depth = Seeded<int>([100, 257, 1_000, 100_000]);
                var open = Encoding.ASCII.GetBytes(random.Next(2) == 0 ? new string('[', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)));
                body = random.Next(2) == 0 ? [.. open, .. body] : [.. "{\"x\":"u8, .. open, .. "1"u8, .. Encoding.ASCII.GetBytes(new string(open[0] == '[' ? ']' : '}', depth)), .. "}"u8];
                return $"nested {depth}";
            case 5:
                body = new byte[random.Next(1, random.Next(2) == 0 ? 64 : 70_000)];
                random.NextBytes(body);
                return "random binary";
            case 6:
                body = [];
                return "empty";
            case 7:
                if (r.Method is "POST" or "PUT") body = Encoding.UTF8.GetBytes(Seeded(["[]", "null", "\"s\"", "1", "{\"id\":1}", "{\"id\":\"\"}", "{\"rev\":[]}", "{\"id\":\"a\",\"id\":\"b\"}", "{\"\":1}"]));
                return "odd JSON";
            case 8:
                // A value duplicated many times: large but under the limits.
                // At most ~16 MiB however large earlier mutations made the body (× 200 twice overflowed an array).
                int copies = random.Next(2, Math.Clamp((16 << 20) / Math.Max(1, body.Length), 3, 200));
                body = [.. Enumerable.Repeat(body, copies).SelectMany(b => b)];
                return $"repeated ×{copies}";
            default:
                if (body.Length < 4) goto case 5;
                int a = random.Next(body.Length / 2), n = random.Next(1, body.Length / 2);
                random.NextBytes(body.AsSpan(a, Math.Min(n, body.Length - a)));
                return "random range";
        }
    }

    private static string ReplaceSegment(string target, int segment, string value)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        string path = query >= 0 ? target[..query] : target;
        var parts = path.Split('/');
        if (parts.Length <= segment + 1) return target;
        parts[segment + 1] = value;
        return string.Join('/', parts) + (query >= 0 ? target[query..] : "");
    }

    private string InsertChars(string target)
    {
        string insert = Seeded(["..", "/", "//", "/../", "%2f", "%00", "%", "%zz", "%C3%28", "\u00e9", "\u00ff", " ", "\t", "#", "\\", ";", "%2e", "\0", "~", "'", "\"", "<>"]);
        int at = random.Next(1, target.Length + 1);
        return target[..at] + insert + target[at..];
    }

    private string RandomQuery()
    {
        string key = Seeded(["limit", "prefix", "after", "since", "t", "rev", "x", "", "limit[]", "%00"]);
        string value = random.Next(8) switch
        {
            0 => "-1",
            1 => "99999999999999999999",
            2 => "%00%FF",
            3 => new string('q', random.Next(1, 12_000)),
            4 => "%zz",
            5 => "1e3",
            6 => "",
            _ => random.Next(100_000).ToString(CultureInfo.InvariantCulture),
        };
        return $"{key}={value}";
    }

    /// <summary>Targets Kestrel itself rejects (bare 400) before the app runs: raw bytes outside visible ASCII, a decoded NUL.</summary>
    private static bool IsFramingRisk(HostileRequest r)
    {
        int query = r.Target.IndexOf('?', StringComparison.Ordinal);
        string path = query >= 0 ? r.Target[..query] : r.Target;
        return r.Target.Any(c => c <= ' ' || c >= 0x7F || c is '#' or '"' or '<' or '>' or '\\') ||
               path.Contains("%00", StringComparison.Ordinal) || !r.Target.StartsWith('/') || r.Method is "get" or "M-SEARCH" ||
               r.Headers.Any(h => h.Name == "Transfer-Encoding") ||
               r.Target.Length > 60_000;
    }
}
