using System.Text;
using System.Text.Json.Nodes;

namespace MyNoSql.SyncBench;

/// <summary>
/// "Player" documents of ~1 KB JSON (the shape of ../shared/ANCHORS.md's sync figures), varied per document from a
/// fixed seed so MyNoSql and PouchDB get exactly the same bytes: names, guilds, inventory, quests, a short bio.
/// </summary>
internal static class PlayerDocs
{
    private static readonly string[] Syllables = ["ka", "ri", "zo", "mel", "dra", "th", "on", "vi", "lu", "ser", "an", "gor", "wyn", "el", "bar", "is", "ty", "qua", "nor", "fe"];
    private static readonly string[] Classes = ["warrior", "mage", "rogue", "ranger", "cleric", "bard", "paladin", "druid"];
    private static readonly string[] Items = ["sword", "shield", "potion", "arrow", "bow", "helmet", "boots", "ring", "amulet", "scroll", "gem", "key", "staff", "dagger", "cloak", "lantern"];
    private static readonly string[] Quests = ["dragon-lair", "lost-caravan", "haunted-mill", "crystal-cave", "pirate-cove", "sky-temple", "sunken-city", "frozen-peak", "goblin-market"];
    private static readonly string[] Words = ["brave", "quiet", "seeker", "of", "the", "northern", "wastes", "who", "trades", "rare", "herbs", "and", "hunts", "shadows",
        "at", "dusk", "loyal", "to", "old", "friends", "fears", "nothing", "but", "deep", "water", "collects", "maps", "sings", "badly", "wins", "often"];
    private static readonly string[] Langs = ["en-GB", "en-US", "de-DE", "fr-FR", "nl-NL", "es-ES", "pl-PL", "ja-JP"];

    /// <summary>The id of document <paramref name="i"/>.</summary>
    public static string Id(int i) => $"player/{i:D7}";

    /// <summary>Document <paramref name="i"/> (its id in <c>id</c>).</summary>
    public static JsonObject Create(int i)
    {
        var rng = new Random(unchecked(i * 7919 + 17));
        var inventory = new JsonArray();
        int slots = 5 + rng.Next(5);
        for (int s = 0; s < slots; s++)
            inventory.Add(new JsonObject { ["item"] = Items[rng.Next(Items.Length)], ["qty"] = 1 + rng.Next(20), ["durability"] = rng.Next(101), ["slot"] = s });
        var quests = new JsonArray();
        int questCount = 2 + rng.Next(3);
        for (int q = 0; q < questCount; q++)
            quests.Add(new JsonObject { ["name"] = Quests[rng.Next(Quests.Length)], ["stage"] = rng.Next(10), ["done"] = rng.Next(3) == 0 });
        var bio = new StringBuilder();
        int words = 8 + rng.Next(12);
        for (int w = 0; w < words; w++) bio.Append(w == 0 ? "" : " ").Append(Words[rng.Next(Words.Length)]);
        return new JsonObject
        {
            ["id"] = Id(i),
            ["name"] = Name(rng),
            ["guild"] = rng.Next(4) == 0 ? null : "The " + Name(rng) + " " + (rng.Next(2) == 0 ? "Company" : "Circle"),
            ["class"] = Classes[rng.Next(Classes.Length)],
            ["level"] = 1 + rng.Next(80),
            ["xp"] = rng.Next(1_000_000),
            ["gold"] = rng.Next(50_000),
            ["stats"] = new JsonObject { ["str"] = rng.Next(100), ["dex"] = rng.Next(100), ["int"] = rng.Next(100), ["vit"] = rng.Next(100), ["luck"] = rng.Next(100) },
            ["position"] = new JsonObject { ["zone"] = $"zone-{rng.Next(40)}", ["x"] = Math.Round(rng.NextDouble() * 1000, 2), ["y"] = Math.Round(rng.NextDouble() * 1000, 2), ["z"] = Math.Round(rng.NextDouble() * 50, 2) },
            ["inventory"] = inventory,
            ["quests"] = quests,
            ["bio"] = bio.ToString(),
            ["settings"] = new JsonObject { ["music"] = rng.Next(100), ["sfx"] = rng.Next(100), ["lang"] = Langs[rng.Next(Langs.Length)], ["invertY"] = rng.Next(2) == 0 },
            ["createdAt"] = 1_700_000_000 + rng.Next(60_000_000),
            ["lastSeen"] = 1_763_900_000 + rng.Next(10_000_000),
        };
    }

    /// <summary>Document <paramref name="i"/> after a play session: xp, gold, level, position and lastSeen moved on.</summary>
    public static JsonObject Changed(int i)
    {
        var doc = Create(i);
        var rng = new Random(unchecked(i * 104_729 + 3));
        doc["xp"] = (int)doc["xp"]! + 1 + rng.Next(5000);
        doc["gold"] = Math.Max(0, (int)doc["gold"]! + rng.Next(-500, 1500));
        doc["level"] = Math.Min(80, (int)doc["level"]! + rng.Next(2));
        doc["position"] = new JsonObject { ["zone"] = $"zone-{rng.Next(40)}", ["x"] = Math.Round(rng.NextDouble() * 1000, 2), ["y"] = Math.Round(rng.NextDouble() * 1000, 2), ["z"] = Math.Round(rng.NextDouble() * 50, 2) };
        doc["lastSeen"] = (int)doc["lastSeen"]! + 3600 + rng.Next(86_400);
        return doc;
    }

    /// <summary>The indexes changed in the 1% round: every 100th document.</summary>
    public static IEnumerable<int> ChangedIndexes(int count) => Enumerable.Range(0, count).Where(i => i % 100 == 0);

    private static string Name(Random rng)
    {
        var sb = new StringBuilder();
        int parts = 2 + rng.Next(2);
        for (int p = 0; p < parts; p++) sb.Append(Syllables[rng.Next(Syllables.Length)]);
        sb[0] = char.ToUpperInvariant(sb[0]);
        return sb.ToString();
    }
}
