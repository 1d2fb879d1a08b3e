using System.Net;
using System.Text.Json;

namespace MyNoSql.Sync.Tests.Security;

/// <summary>Per-client rate limiting on a real mirror, and mirrors that refuse to start with an unsafe or broken setup.</summary>
public sealed class GatewayLimitsTests
{
    [Fact]
    public async Task A_burst_beyond_the_configured_limit_gets_429_with_retry_after_then_service_resumes()
    {
        using var dir = new TempDirectory("mynosql-ratelimit-");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var silo = await SiloProcess.StartHealthyAsync(dir.Path, http, "--rate-limit", "0.5", "--rate-limit-burst", "5");
        await using (silo)
        {
            // The health probe above spent some of the bucket; a burst of 20 must overrun it.
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => http.GetAsync($"{silo.BaseUrl}/db/limits/docs")));
            try
            {
                var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
                // At most the burst of 5 served, plus what refills (0.5/s) while the 20 reach the limiter on a loaded machine.
                Assert.InRange(limited.Count, 15 - 3, 20);
                Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
                var first = limited[0];
                Assert.True(first.Headers.RetryAfter?.Delta is TimeSpan after && after >= TimeSpan.FromSeconds(1), $"Retry-After: {first.Headers.RetryAfter}");
                using var body = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
                Assert.Equal("rate_limited", body.RootElement.GetProperty("error").GetString());
            }
            finally
            {
                foreach (var a in answers) a.Dispose();
            }
            // Tokens come back at 0.5/s: a request succeeds again without a restart.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                using var again = await http.GetAsync($"{silo.BaseUrl}/db/limits/docs");
                if (again.StatusCode == HttpStatusCode.OK) break;
                Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
                Assert.True(DateTime.UtcNow < deadline, "the rate limiter never let a request through again");
                await Task.Delay(100);
            }
        }
    }

    [Theory]
    [InlineData("0.0.0.0", null, "is not a loopback address and no --api-keys-file is given")]
    [InlineData("*", null, "is not a loopback address and no --api-keys-file is given")]
    [InlineData("127.0.0.1", "{\"keys\":[{\"name\":\"a\",\"key\":\"short\",\"databases\":[\"*\"],\"rights\":\"read\"}]}", "keys[0] ('a'): \"key\" must be at least 16")]
    [InlineData("0.0.0.0", "{\"keys\":[{\"name\":\"a\",\"keyHash\":\"sha256:00\",\"databases\":[\"*\"],\"rights\":\"read\",\"expire\":\"2030-01-01\"}]}", "unknown property \"expire\"")]
    public async Task A_mirror_refuses_to_start_without_keys_off_loopback_or_with_a_broken_key_file(string host, string? keyFile, string message)
    {
        using var dir = new TempDirectory("mynosql-refuse-");
        var args = new List<string> { RepoPaths.SiloDll, "--data", Path.Combine(dir.Path, "data"), "--http-host", host,
            "--http-port", $"{FreePorts.Next()}", "--silo-port", $"{FreePorts.Next()}", "--gateway-port", $"{FreePorts.Next()}" };
        if (keyFile is not null)
        {
            string path = Path.Combine(dir.Path, "keys.json");
            await File.WriteAllTextAsync(path, keyFile);
            args.AddRange(["--api-keys-file", path]);
        }
        await using var silo = SiloProcess.Run(args);
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(message, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mirror_refuses_to_start_with_a_certificate_it_cannot_use()
    {
        using var dir = new TempDirectory("mynosql-refuse-tls-");
        string cert = Path.Combine(dir.Path, "not-a-cert.pem");
        await File.WriteAllTextAsync(cert, "-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n");
        await using var silo = SiloProcess.Run([RepoPaths.SiloDll, "--data", Path.Combine(dir.Path, "data"), "--tls-cert", cert,
            "--http-port", $"{FreePorts.Next()}", "--silo-port", $"{FreePorts.Next()}", "--gateway-port", $"{FreePorts.Next()}"]);
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"TLS certificate '{cert}'", silo.Output, StringComparison.Ordinal);
    }
}
