using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using MyNoSql.Silo.Gateway;

namespace MyNoSql.Silo.Security;

/// <summary>
/// Per-client rate limiting with ASP.NET Core's rate limiter: a token bucket per client (the API key's name with the
/// remote address, or the address alone for requests without a valid key, so failed attempts are counted too),
/// refilled at the configured rate; a request beyond the burst gets 429 with <c>Retry-After</c> and the JSON body.
/// Idle buckets are dropped by the limiter, so many clients cost no lasting memory.
/// </summary>
internal static class GatewayRateLimiter
{
    public static RateLimiterOptions Create(double perSecond, int burst)
    {
        // No timer per client: the partitioned limiter's own 100 ms heartbeat refills every bucket in proportion to
        // the time elapsed (AutoReplenishment off), at tokens/period = the configured rate.
        var period = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond);
        int tokens = perSecond >= 1 ? (int)Math.Round(perSecond) : 1;
        var options = new RateLimiterOptions
        {
            RejectionStatusCode = StatusCodes.Status429TooManyRequests,
            GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var credential = context.Features.Get<Credential>() ?? Credential.NotRequired;
                return RateLimitPartition.GetTokenBucketLimiter(credential.Partition(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = tokens,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    AutoReplenishment = false,
                });
            }),
            OnRejected = (rejected, ct) =>
            {
                var context = rejected.HttpContext;
                int seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds))
                    : Math.Max(1, (int)Math.Ceiling(1 / perSecond));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(ApiResponse.ErrorAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"More than {perSecond.ToString(CultureInfo.InvariantCulture)} requests/s (burst {burst}) from this client; retry after {seconds} s."));
            },
        };
        return options;
    }
}
