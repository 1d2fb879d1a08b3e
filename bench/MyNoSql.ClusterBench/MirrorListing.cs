using System.Diagnostics;
using System.Net.Http.Json;

namespace MyNoSql.ClusterBench;

/// <summary>Waits for mirror processes the benches start: until a mirror's <c>GET /mirrors</c> lists enough mirrors.</summary>
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
}
