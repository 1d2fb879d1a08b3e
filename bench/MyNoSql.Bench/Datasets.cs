using System.Globalization;
using System.Text.Json.Nodes;

namespace MyNoSql.Bench;

/// <summary>Deterministic documents (fixed seed) so every engine stores exactly the same bytes.</summary>
internal static class Datasets
{
    private static readonly string[] Statuses = ["ok", "ok", "ok", "ok", "warn", "low-battery", "recalibrating"];
    private static readonly string[] Sites = ["plant-north", "plant-south", "warehouse-3", "lab-a", "office-main"];
    private static readonly string[] Items = ["sword", "shield", "potion", "arrow", "bow", "helmet", "boots", "ring", "amulet", "scroll", "gem", "key"];
    private static readonly string[] Quests = ["dragon-lair", "lost-caravan", "haunted-mill", "crystal-cave", "pirate-cove", "sky-temple"];

    /// <summary>The datasets by <c>--only</c> name, in run order: small IoT readings (~110 B), IoT readings (~280 B), game state (~2.3 KB).</summary>
    public static readonly string[] Names = ["iot-small", "iot", "game"];

    /// <summary>The first <paramref name="count"/> documents of the named dataset (fixed seeds).</summary>
    public static List<JsonObject> ByName(string name, int count) => name switch
    {
        "iot-small" => IotSmall(count),
        "iot" => Iot(count),
        "game" => Game(count),
        _ => throw new ArgumentException($"unknown dataset {name} (iot-small, iot, game)"),
    };

    /// <summary>Small IoT readings, ~110 bytes of JSON each: id, device, timestamp, two values.</summary>
    public static List<JsonObject> IotSmall(int count, int seed = 43)
    {
        var rng = new Random(seed);
        long t0 = 1_763_900_000_000;
        var list = new List<JsonObject>(count);
        for (int i = 0; i < count; i++)
        {
            int device = rng.Next(1000);
            list.Add(new JsonObject
            {
                ["id"] = $"sensor-{device:D4}/{i:D9}",
                ["device"] = $"sensor-{device:D4}",
                ["ts"] = t0 + i * 250L + rng.Next(250),
                ["temperature"] = Math.Round(18 + rng.NextDouble() * 9, 2),
                ["humidity"] = Math.Round(30 + rng.NextDouble() * 40, 1),
            });
        }
        return list;
    }

    /// <summary>IoT readings, ~280 bytes of JSON each.</summary>
    public static List<JsonObject> Iot(int count, int seed = 42) => IotStream(count, seed).ToList();

    /// <summary>The same readings generated lazily (the 1M-record database is built without holding them all).</summary>
    public static IEnumerable<JsonObject> IotStream(int count, int seed = 42)
    {
        var rng = new Random(seed);
        long t0 = 1_763_900_000_000;
        for (int i = 0; i < count; i++)
        {
            int sensor = rng.Next(500);
            yield return new JsonObject
            {
                ["id"] = $"sensor-{sensor:D4}/{i:D9}",
                ["sensor"] = $"sensor-{sensor:D4}",
                ["site"] = Sites[sensor % Sites.Length],
                ["ts"] = t0 + i * 250L + rng.Next(250),
                ["temperature"] = Math.Round(18 + rng.NextDouble() * 9, 2),
                ["humidity"] = Math.Round(30 + rng.NextDouble() * 40, 1),
                ["pressure"] = Math.Round(1000 + rng.NextDouble() * 30, 1),
                ["battery"] = Math.Round(3.0 + rng.NextDouble() * 1.2, 3),
                ["rssi"] = -40 - rng.Next(60),
                ["status"] = Statuses[rng.Next(Statuses.Length)],
                ["firmware"] = "2.4." + (sensor % 7).ToString(CultureInfo.InvariantCulture),
                ["location"] = new JsonObject { ["lat"] = Math.Round(52.0 + sensor * 0.001, 5), ["lon"] = Math.Round(4.0 + sensor * 0.002, 5), ["floor"] = sensor % 4 },
                ["co2ppm"] = 400 + rng.Next(900),
                ["unit"] = "metric",
            };
        }
    }

    /// <summary>The order types; the query bench picks its equality values from them.</summary>
    public static readonly string[] OrderTypes = ["book", "music", "video", "game", "toy", "food", "tool", "garden"];

    /// <summary>Order dates are spread over two years from this instant (so a query's "since" is drawn from the same span).</summary>
    public static readonly DateTime OrderEpoch = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly TimeSpan OrderSpan = TimeSpan.FromDays(730);

    /// <summary>The ISO-8601 form of order dates (fixed width, so string order is time order in every engine).</summary>
    public static string IsoDate(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Customer names, one of 20,000 (an equality without an index: the full-scan reference).</summary>
    public static string Customer(int n) => $"cust-{n:D5}";

    private static readonly string[] OrderStatuses = ["new", "paid", "paid", "shipped", "delivered", "delivered", "delivered", "returned"];

    /// <summary>Orders, ~230 B of JSON each, generated lazily: dates at random (millisecond resolution, so ties are rare
    /// and the index order differs from the id order), 1–3 items.</summary>
    public static IEnumerable<JsonObject> OrdersStream(int count, int seed = 12)
    {
        var rng = new Random(seed);
        long spanMs = (long)OrderSpan.TotalMilliseconds;
        for (int i = 0; i < count; i++)
        {
            var items = new JsonArray();
            for (int k = 1 + rng.Next(3); k > 0; k--)
                items.Add(new JsonObject { ["sku"] = $"sku-{rng.Next(10_000):D4}", ["qty"] = 1 + rng.Next(5), ["price"] = Math.Round(1 + rng.NextDouble() * 99, 2) });
            yield return new JsonObject
            {
                ["id"] = $"order-{i:D8}",
                ["type"] = OrderTypes[rng.Next(OrderTypes.Length)],
                ["date"] = IsoDate(OrderEpoch.AddMilliseconds(rng.NextInt64(spanMs))),
                ["total"] = Math.Round(rng.NextDouble() * 500, 2),
                ["customer"] = Customer(rng.Next(20_000)),
                ["status"] = OrderStatuses[rng.Next(OrderStatuses.Length)],
                ["currency"] = "EUR",
                ["items"] = items,
            };
        }
    }

    /// <summary>Game-state documents, ~2 KB of JSON each.</summary>
    public static List<JsonObject> Game(int count, int seed = 7)
    {
        var rng = new Random(seed);
        var list = new List<JsonObject>(count);
        for (int i = 0; i < count; i++)
        {
            var inventory = new JsonArray();
            int slots = 22 + rng.Next(10);
            for (int s = 0; s < slots; s++)
                inventory.Add(new JsonObject { ["item"] = Items[rng.Next(Items.Length)], ["qty"] = 1 + rng.Next(20), ["durability"] = rng.Next(101), ["slot"] = s, ["enchant"] = rng.Next(4) == 0 ? "fire" : "none" });
            var quests = new JsonArray();
            for (int q = 0; q < 3 + rng.Next(3); q++)
                quests.Add(new JsonObject { ["name"] = Quests[rng.Next(Quests.Length)], ["stage"] = rng.Next(10), ["done"] = rng.Next(3) == 0 });
            list.Add(new JsonObject
            {
                ["id"] = $"player/{i:D7}",
                ["name"] = $"Player{i}",
                ["level"] = 1 + rng.Next(80),
                ["xp"] = rng.Next(1_000_000),
                ["gold"] = rng.Next(50_000),
                ["class"] = (i % 4) switch { 0 => "warrior", 1 => "mage", 2 => "rogue", _ => "ranger" },
                ["stats"] = new JsonObject { ["str"] = rng.Next(100), ["dex"] = rng.Next(100), ["int"] = rng.Next(100), ["vit"] = rng.Next(100), ["luck"] = rng.Next(100) },
                ["position"] = new JsonObject { ["zone"] = $"zone-{rng.Next(40)}", ["x"] = Math.Round(rng.NextDouble() * 1000, 2), ["y"] = Math.Round(rng.NextDouble() * 1000, 2), ["z"] = Math.Round(rng.NextDouble() * 50, 2) },
                ["inventory"] = inventory,
                ["quests"] = quests,
                ["settings"] = new JsonObject { ["music"] = rng.Next(100), ["sfx"] = rng.Next(100), ["lang"] = "en-GB", ["invertY"] = rng.Next(2) == 0 },
                ["lastSeen"] = 1_763_900_000 + rng.Next(10_000_000),
            });
        }
        return list;
    }
}
