using System.Diagnostics;
using System.Net.Http.Json;

namespace MyNoSql.ClusterBench;

/// <summary>Waits for mirror processes the benches start: until a mirror's <c>GET /mirrors</c> lists enough mirrors, and
/// (with <c>--replicas</c>) until it reports the replica view stable.</summary>
internal static class MirrorListing
{
    public static async Task WaitAsync(string url, int mirrors, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                var list = await http.GetFromJsonAsync<string[]>($"{url}/mirrors");
                if (list is not null && list.Length >= mirrors) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{url} did not list {mirrors} mirrors within {timeout.TotalSeconds:0} s");
    }

    /// <summary>Waits until the mirror's <c>GET /_mirror/replicas</c> reports <c>stable</c> (at once without <c>--replicas</c>).</summary>
    public static async Task WaitStableAsync(string url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                var state = await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"{url}/_mirror/replicas");
                if (state?["stable"]?.GetValue<bool>() == true) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{url} did not report a stable replica view within {timeout.TotalSeconds:0} s");
    }
}
