using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyNoSql.Bench;

/// <summary>The two generated data sets.</summary>
internal enum Dataset
{
    /// <summary>IoT sensor readings, ~300 B of JSON each.</summary>
    Iot,
    /// <summary>Game-state documents, ~2 KB of JSON each.</summary>
    Game,
}

/// <summary>
/// Deterministic document generators. Document <c>i</c> of a data set depends only on (seed, data set, i), so any
/// process (parent or child) can regenerate any document or id without holding the set in memory, and every
/// engine stores exactly the same bytes. Values repeat the way real data does (a fixed fleet of sensors with
/// stable sites and slowly drifting readings; players drawn from shared item, quest and zone catalogues), so
/// compression ratios mean something.
/// </summary>
internal static class DataGen
{
    public const int Sensors = 1000;

    private static readonly DateTime Epoch = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private static readonly string[] Sites = ["plant-berlin-01", "plant-berlin-02", "plant-munich-01", "warehouse-hamburg", "office-cologne", "plant-lyon-03", "lab-zurich", "depot-vienna"];
    private static readonly string[] SensorTypes = ["environment", "air-quality", "hvac", "cold-chain", "machine"];
    private static readonly string[] Firmware = ["2.4.1", "2.4.2", "2.5.0", "3.0.0-rc1"];
    private static readonly string[] Alerts = ["co2-high", "temp-high", "battery-low", "humidity-high", "signal-weak"];

    private static readonly string[] Classes = ["warrior", "mage", "rogue", "cleric", "ranger", "necromancer"];
    private static readonly string[] Zones = ["emerald-forest", "ashen-wastes", "frostpeak", "sunken-city", "crystal-caverns", "iron-citadel", "whispering-marsh", "sky-temple", "dragon-spine", "harbor-town", "old-mines", "shadow-vale"];
    private static readonly string[] Adjectives = ["Swift", "Dark", "Silent", "Brave", "Mighty", "Lucky", "Crimson", "Golden", "Wild", "Frost", "Iron", "Stormy"];
    private static readonly string[] Nouns = ["Wolf", "Blade", "Raven", "Knight", "Fox", "Dragon", "Hunter", "Mage", "Bear", "Falcon", "Viper", "Tiger"];
    private static readonly string[] Rarities = ["common", "common", "common", "uncommon", "uncommon", "rare", "epic", "legendary"];
    private static readonly string[] QuestStates = ["active", "active", "completed", "completed", "completed", "failed"];
    private static readonly string[] Languages = ["en", "en", "en", "de", "fr", "es", "pt-BR", "ja"];
    private static readonly string[] Difficulties = ["normal", "normal", "hard", "nightmare"];
    private static readonly string[] Items = BuildItems();
    private static readonly string[] Guilds = Enumerable.Range(0, 60).Select(g => $"{Adjectives[g % Adjectives.Length]} {Nouns[g * 7 % Nouns.Length]}s").ToArray();
    private static readonly string[] Achievements = ["ach-first-blood", "ach-explorer", "ach-dungeon-master", "ach-crafter", "ach-rich", "ach-pvp-novice", "ach-pvp-veteran", "ach-dragon-slayer", "ach-fisher", "ach-collector", "ach-speedrunner", "ach-social", "ach-guild-founder", "ach-treasure-hunter", "ach-lorekeeper", "ach-survivor", "ach-pacifist", "ach-marathon", "ach-completionist", "ach-night-owl"];

    private static string[] BuildItems()
    {
        string[] materials = ["wooden", "iron", "steel", "mithril", "obsidian", "elven", "dwarven"];
        string[] kinds = ["sword", "longsword", "dagger", "bow", "staff", "shield", "helmet", "chestplate", "greaves", "boots", "ring", "amulet"];
        var items = new List<string>();
        foreach (var m in materials)
            foreach (var k in kinds)
                items.Add($"{m}-{k}");
        items.AddRange(["health-potion", "mana-potion", "elixir-of-speed", "bread", "roast-meat", "arrow", "bolt", "torch", "rope", "lockpick", "gold-ore", "iron-ore", "herb-bundle", "dragon-scale", "phoenix-feather"]);
        return [.. items];
    }

    public static string Name(Dataset ds) => ds == Dataset.Iot ? "iot" : "game";

    /// <summary>The id of document <paramref name="i"/> (e.g. "sensor-0042/000000123" or "player/000123").</summary>
    public static string Id(Dataset ds, int i) => ds == Dataset.Iot
        ? string.Create(CultureInfo.InvariantCulture, $"sensor-{i % Sensors:D4}/{i / Sensors:D9}")
        : string.Create(CultureInfo.InvariantCulture, $"player/{i:D6}");

    /// <summary>Document <paramref name="i"/> as UTF-8 JSON (the "raw JSON" the on-disk ratios refer to).</summary>
    public static byte[] Utf8(Dataset ds, int i, int seed)
    {
        var buffer = new ArrayBufferWriter<byte>(ds == Dataset.Iot ? 512 : 4096);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (ds == Dataset.Iot) WriteIot(w, i, seed);
            else WriteGame(w, i, seed);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Document <paramref name="i"/> as a fully materialised <see cref="JsonObject"/> (what an application holds).</summary>
    public static JsonObject Doc(Dataset ds, int i, int seed)
    {
        var doc = JsonNode.Parse(Utf8(ds, i, seed))!.AsObject();
        Materialize(doc);
        return doc;
    }

    /// <summary>Documents [start, start+count) with their total raw size.</summary>
    public static (JsonObject[] Docs, long RawBytes) Docs(Dataset ds, int start, int count, int seed)
    {
        var docs = new JsonObject[count];
        long raw = 0;
        for (int k = 0; k < count; k++)
        {
            var bytes = Utf8(ds, start + k, seed);
            raw += bytes.Length;
            var doc = JsonNode.Parse(bytes)!.AsObject();
            Materialize(doc);
            docs[k] = doc;
        }
        return (docs, raw);
    }

    /// <summary>
    /// A parsed JsonObject builds its property table lazily on first access; walk the tree so that no engine pays
    /// that cost inside its timed section (and no two threads race on it).
    /// </summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o) Materialize(v);
                break;
            case JsonArray a:
                foreach (var v in a) Materialize(v);
                break;
        }
    }

    /// <summary>A well-mixed 32-bit seed from (seed, stream, index) — stable across processes, unlike HashCode.</summary>
    public static int Mix(int seed, int stream, long index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream * 0xBF58476D1CE4E5B9UL + (ulong)index * 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    private static double Round(double v, int digits) => Math.Round(v, digits, MidpointRounding.AwayFromZero);

    private static double Gaussian(Random r)
    {
        double u1 = 1.0 - r.NextDouble();
        double u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static void WriteIot(Utf8JsonWriter w, int i, int seed)
    {
        int sensor = i % Sensors;
        int seq = i / Sensors;
        var s = new Random(Mix(seed, 1, sensor)); // stable per sensor
        var r = new Random(Mix(seed, 2, i));      // per reading
        string site = Sites[s.Next(Sites.Length)];
        string type = SensorTypes[s.Next(SensorTypes.Length)];
        double lat = 47.5 + s.NextDouble() * 6.0;
        double lon = 6.0 + s.NextDouble() * 9.0;
        int floor = s.Next(0, 6);
        int room = s.Next(1, 40);
        double baseTemp = type == "cold-chain" ? 3.0 + s.NextDouble() * 3.0 : 19.0 + s.NextDouble() * 5.0;
        double baseHumidity = 35.0 + s.NextDouble() * 25.0;
        string firmware = Firmware[s.Next(Firmware.Length)];
        int baseRssi = -45 - s.Next(40);

        var ts = Epoch.AddSeconds(seq * 60.0 + sensor % 60).AddMilliseconds(r.Next(1000));
        double drift = Math.Sin((seq + sensor) / 48.0);
        double temperature = Round(baseTemp + drift * 1.5 + Gaussian(r) * 0.2, 2);
        double humidity = Round(baseHumidity + drift * 4.0 + Gaussian(r), 1);
        double pressure = Round(1013.25 + Math.Sin(seq / 300.0) * 8.0 + Gaussian(r) * 0.3, 2);
        int co2 = 420 + (int)(Math.Abs(drift) * 500) + r.Next(40);
        double battery = Round(3.0 + 1.2 * Math.Max(0.0, 1.0 - seq / 20000.0) - r.NextDouble() * 0.01, 2);
        int roll = r.Next(100);
        string status = roll < 94 ? "ok" : roll < 99 ? "warn" : "error";

        w.WriteStartObject();
        w.WriteString("id", Id(Dataset.Iot, i));
        w.WriteString("sensor", string.Create(CultureInfo.InvariantCulture, $"sensor-{sensor:D4}"));
        w.WriteString("ts", ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteString("type", type);
        w.WriteStartObject("location");
        w.WriteString("site", site);
        w.WriteNumber("lat", Round(lat, 5));
        w.WriteNumber("lon", Round(lon, 5));
        w.WriteNumber("floor", floor);
        w.WriteString("room", string.Create(CultureInfo.InvariantCulture, $"R{floor}{room:D2}"));
        w.WriteEndObject();
        w.WriteStartObject("readings");
        w.WriteNumber("temperature", temperature);
        w.WriteNumber("humidity", humidity);
        w.WriteNumber("pressure", pressure);
        w.WriteNumber("co2", co2);
        w.WriteNumber("battery", battery);
        w.WriteEndObject();
        w.WriteString("status", status);
        w.WriteStartArray("alerts");
        if (status != "ok") w.WriteStringValue(Alerts[r.Next(Alerts.Length)]);
        w.WriteEndArray();
        w.WriteString("fw", firmware);
        w.WriteNumber("rssi", baseRssi - r.Next(6));
        w.WriteNumber("seq", seq);
        w.WriteEndObject();
    }

    private static void WriteGame(Utf8JsonWriter w, int i, int seed)
    {
        var r = new Random(Mix(seed, 3, i));
        int level = 1 + (int)(Math.Pow(r.NextDouble(), 1.6) * 80);
        string cls = Classes[r.Next(Classes.Length)];
        var created = Epoch.AddDays(-r.Next(0, 900)).AddSeconds(r.Next(86400));
        var lastLogin = Epoch.AddDays(r.Next(0, 60)).AddSeconds(r.Next(86400));

        w.WriteStartObject();
        w.WriteString("id", Id(Dataset.Game, i));
        w.WriteString("name", string.Create(CultureInfo.InvariantCulture, $"{Adjectives[r.Next(Adjectives.Length)]}{Nouns[r.Next(Nouns.Length)]}{r.Next(10, 9999)}"));
        w.WriteNumber("level", level);
        w.WriteString("class", cls);
        if (r.Next(4) == 0) w.WriteNull("guild");
        else w.WriteString("guild", Guilds[r.Next(Guilds.Length)]);
        w.WriteString("createdAt", created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        w.WriteString("lastLogin", lastLogin.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        w.WriteNumber("playTimeMinutes", level * 95 + r.Next(3000));

        w.WriteStartObject("position");
        w.WriteString("zone", Zones[Math.Min(Zones.Length - 1, level / 7 + r.Next(2))]);
        w.WriteNumber("x", Round(r.NextDouble() * 4096.0, 2));
        w.WriteNumber("y", Round(r.NextDouble() * 4096.0, 2));
        w.WriteNumber("z", Round(r.NextDouble() * 256.0, 2));
        w.WriteNumber("heading", r.Next(360));
        w.WriteEndObject();

        int maxHp = 100 + level * 25;
        int maxMp = 50 + level * (cls is "mage" or "cleric" or "necromancer" ? 20 : 8);
        w.WriteStartObject("stats");
        w.WriteNumber("hp", r.Next(maxHp / 4, maxHp + 1));
        w.WriteNumber("maxHp", maxHp);
        w.WriteNumber("mp", r.Next(0, maxMp + 1));
        w.WriteNumber("maxMp", maxMp);
        w.WriteNumber("strength", 10 + level / 2 + r.Next(10));
        w.WriteNumber("dexterity", 10 + level / 2 + r.Next(10));
        w.WriteNumber("intelligence", 10 + level / 2 + r.Next(10));
        w.WriteNumber("vitality", 10 + level / 2 + r.Next(10));
        w.WriteNumber("luck", r.Next(1, 20));
        w.WriteNumber("gold", (long)(level * level * 37 + r.Next(10000)));
        w.WriteNumber("xp", (long)level * level * 1000 + r.Next(1000));
        w.WriteNumber("kills", level * 40 + r.Next(500));
        w.WriteNumber("deaths", r.Next(0, level + 5));
        w.WriteEndObject();

        w.WriteStartObject("equipment");
        foreach (var slot in (string[])["head", "chest", "legs", "feet", "mainHand", "offHand"])
        {
            if (r.Next(5) == 0) w.WriteNull(slot);
            else w.WriteString(slot, Items[r.Next(84)]);
        }
        w.WriteEndObject();

        w.WriteStartArray("inventory");
        int items = 10 + r.Next(9);
        for (int k = 0; k < items; k++)
        {
            w.WriteStartObject();
            string item = Items[r.Next(Items.Length)];
            bool stackable = !item.Contains('-', StringComparison.Ordinal) || item.EndsWith("potion", StringComparison.Ordinal) || item.EndsWith("ore", StringComparison.Ordinal);
            w.WriteString("item", item);
            w.WriteNumber("qty", stackable ? 1 + r.Next(50) : 1);
            w.WriteNumber("slot", k);
            if (!stackable) w.WriteNumber("durability", r.Next(1, 101));
            w.WriteString("rarity", Rarities[r.Next(Rarities.Length)]);
            w.WriteBoolean("bound", r.Next(3) == 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("quests");
        int quests = 3 + r.Next(5);
        for (int k = 0; k < quests; k++)
        {
            w.WriteStartObject();
            int goal = 5 + r.Next(4) * 5;
            string state = QuestStates[r.Next(QuestStates.Length)];
            w.WriteString("quest", string.Create(CultureInfo.InvariantCulture, $"q-{r.Next(200):D4}"));
            w.WriteString("state", state);
            w.WriteNumber("progress", state == "completed" ? goal : r.Next(goal));
            w.WriteNumber("goal", goal);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("achievements");
        int achievements = 2 + r.Next(Math.Min(Achievements.Length - 2, 2 + level / 8));
        int first = r.Next(Achievements.Length);
        for (int k = 0; k < achievements; k++) w.WriteStringValue(Achievements[(first + k * 3) % Achievements.Length]);
        w.WriteEndArray();

        w.WriteStartObject("settings");
        w.WriteString("language", Languages[r.Next(Languages.Length)]);
        w.WriteNumber("musicVolume", r.Next(0, 11) * 10);
        w.WriteNumber("sfxVolume", r.Next(0, 11) * 10);
        w.WriteString("difficulty", Difficulties[r.Next(Difficulties.Length)]);
        w.WriteBoolean("autoLoot", r.Next(2) == 0);
        w.WriteBoolean("showDamageNumbers", r.Next(4) != 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
