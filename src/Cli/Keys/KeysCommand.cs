using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MyNoSql.Silo.Security;

namespace MyNoSql.Cli.Keys;

/// <summary>
/// <c>keys</c>: API key file tools (deploy/SECURITY.md). The file format and its checks are the silo's own code
/// (src/Silo/Security/ApiKeyFile.cs, ApiKeyGenerator.cs, compiled into this tool): a file these commands accept is a
/// file the mirror accepts.
/// </summary>
internal static class KeysCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var keys = new Command("keys", "API key file tools: new, list, check, revoke, hash (deploy/SECURITY.md)");

        var name = new Argument<string>("NAME") { Description = "The key's name (1–64 of letters, digits, '-', '_', '.')" };
        var file = new Option<string?>("--file") { Description = "The --api-keys-file to add the entry to (created when missing)", HelpName = "FILE" };
        var rights = new Option<string>("--rights") { Description = "read, write or admin", DefaultValueFactory = _ => "read" };
        var databases = new Option<string>("--databases") { Description = "Comma-separated database names, or *", DefaultValueFactory = _ => "*" };
        var expires = new Option<string?>("--expires") { Description = "ISO 8601 time the key stops working", HelpName = "TIME" };
        var create = new Command("new", "Make a random key; print it once and its entry (only the hash is stored)") { name, file, rights, databases, expires };
        create.SetAction(r =>
        {
            string key = ApiKeyGenerator.NewKey();
            var entry = new JsonObject
            {
                ["name"] = r.GetValue(name),
                ["keyHash"] = "sha256:" + Convert.ToHexStringLower(ApiKeyFile.Hash(key)),
                ["databases"] = new JsonArray([.. r.GetValue(databases)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(d => (JsonNode)d)]),
                ["rights"] = r.GetValue(rights),
            };
            if (r.GetValue(expires) is string e) entry["expires"] = e;
            string? path = r.GetValue(file);
            var document = path is not null && File.Exists(path) ? Load(path) : new JsonObject { ["keys"] = new JsonArray() };
            (document["keys"] as JsonArray ?? throw CliException.Usage($"keys: '{path}' has no \"keys\" array.")).Add(entry);
            Validate(document, path ?? "the new entry"); // the silo's own rules: a bad name, right, database or time is refused here
            if (path is not null) Save(path, document);
            if (options.Read(r).Json)
                console.Out.WriteLine(Output.Line(new JsonObject { ["key"] = key, ["entry"] = entry.DeepClone(), ["file"] = path }));
            else
            {
                console.Out.WriteLine(key);
                console.Error.WriteLine(path is null
                    ? $"entry for the --api-keys-file \"keys\" array:\n  {Output.Line(entry)}"
                    : $"added '{entry["name"]}' to {path} (mirrors re-read it within a second); the key above is shown only now.");
            }
            return ExitCodes.Ok;
        });
        keys.Add(create);

        var path = new Argument<string>("FILE") { Description = "An API key file" };
        var list = new Command("list", "List the keys of a file (names, databases, rights, expiry; never secrets)") { path };
        list.SetAction(r =>
        {
            string p = r.GetValue(path)!;
            var parsed = LoadChecked(p);
            if (options.Read(r).Json)
            {
                var array = new JsonArray();
                foreach (var k in parsed)
                    array.Add(new JsonObject { ["name"] = k.Name, ["databases"] = new JsonArray([.. k.Databases.Select(d => (JsonNode)d)]), ["rights"] = k.Right.ToString().ToLowerInvariant(), ["expires"] = k.Expires?.ToString("O", CultureInfo.InvariantCulture) });
                console.Out.WriteLine(Output.Line(new JsonObject { ["keys"] = array }));
            }
            else
            {
                foreach (var k in parsed)
                    console.Out.WriteLine($"{k.Name}\t{k.Right.ToString().ToLowerInvariant()}\t{string.Join(',', k.Databases)}\t{(k.Expires is { } x ? (x <= DateTimeOffset.UtcNow ? "expired " : "expires ") + x.ToString("u", CultureInfo.InvariantCulture) : "no expiry")}");
            }
            return ExitCodes.Ok;
        });
        keys.Add(list);

        var check = new Command("check", "Check a key file as a mirror would (exit 2 with the reason when bad)") { path };
        check.SetAction(r =>
        {
            var parsed = LoadChecked(r.GetValue(path)!);
            console.Out.WriteLine($"{r.GetValue(path)}: valid, {parsed.Count} key(s)");
            return ExitCodes.Ok;
        });
        keys.Add(check);

        var revokeName = new Argument<string>("NAME");
        var revoke = new Command("revoke", "Remove a key from a file (mirrors stop accepting it within a second)") { path, revokeName };
        revoke.SetAction(r =>
        {
            string p = r.GetValue(path)!, n = r.GetValue(revokeName)!;
            LoadChecked(p);
            var document = Load(p);
            var array = document["keys"]!.AsArray();
            var entry = array.FirstOrDefault(k => k?["name"]?.GetValue<string>() == n)
                ?? throw CliException.NotFound($"keys: no key named '{n}' in {p}.");
            array.Remove(entry);
            Save(p, document);
            console.Out.WriteLine($"revoked '{n}' in {p}");
            return ExitCodes.Ok;
        });
        keys.Add(revoke);

        var plain = new Argument<string>("KEY");
        var hash = new Command("hash", "Print the keyHash of a key (sha256:<hex>)") { plain };
        hash.SetAction(r =>
        {
            string k = r.GetValue(plain)!;
            if (k.Length < ApiKeyFile.MinKeyLength || !ApiKeyFile.IsTokenText(k))
                throw CliException.Usage($"keys hash: a key is at least {ApiKeyFile.MinKeyLength} printable ASCII characters without spaces.");
            console.Out.WriteLine("sha256:" + Convert.ToHexStringLower(ApiKeyFile.Hash(k)));
            return ExitCodes.Ok;
        });
        keys.Add(hash);
        return keys;
    }

    private static IReadOnlyList<ApiKey> LoadChecked(string path)
    {
        try
        {
            return ApiKeyFile.Load(path);
        }
        catch (FormatException e)
        {
            throw CliException.Usage(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"keys: cannot read '{path}': {e.Message}");
        }
    }

    private static JsonObject Load(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw CliException.Usage($"keys: '{path}' must be a JSON object with a \"keys\" array.");
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"keys: '{path}' is not valid JSON: {e.Message}");
        }
    }

    private static void Validate(JsonObject document, string where)
    {
        try
        {
            ApiKeyFile.Parse(JsonSerializer.SerializeToUtf8Bytes(document), where);
        }
        catch (FormatException e)
        {
            throw CliException.Usage(e.Message);
        }
    }

    /// <summary>Writes a temp file and renames it over the old one: a mirror re-reading the file never sees half of it.</summary>
    private static void Save(string path, JsonObject document)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, Output.Pretty(document) + "\n", new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
