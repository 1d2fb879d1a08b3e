using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyNoSql;
using MyNoSql.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a MyNoSql database with a .NET host (DESIGN §11).</summary>
public static class MyNoSqlServiceCollectionExtensions
{
    /// <summary>The configuration section <see cref="AddMyNoSql"/> binds.</summary>
    public const string ConfigurationSection = "MyNoSql";

    /// <summary>
    /// Registers one <see cref="MyNoSqlDb"/> singleton, opened when the host starts and closed when it stops, with the
    /// host's <see cref="ILoggerFactory"/>, its options bound from the <c>MyNoSql</c> configuration section and then
    /// <paramref name="configure"/>, validated at start (a bad name or option stops the host with
    /// <see cref="OptionsValidationException"/> naming it), and a health check named <c>mynosql</c> (the health-check
    /// service is registered too when the app has not). Resolve <see cref="MyNoSqlDb"/> after the host started.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="MyNoSqlServiceOptions.Name"/> and any <see cref="MyNoSqlOptions"/> setting.</param>
    public static IServiceCollection AddMyNoSql(this IServiceCollection services, Action<MyNoSqlServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MyNoSqlServiceOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<MyNoSqlServiceOptions>, MyNoSqlConfigurationBinding>());
        if (configure is not null) options.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MyNoSqlServiceOptions>, MyNoSqlOptionsValidation>());
        options.ValidateOnStart();
        services.TryAddSingleton<MyNoSqlHostedDatabase>();
        services.AddHostedService(sp => sp.GetRequiredService<MyNoSqlHostedDatabase>());
        services.TryAddSingleton(sp => sp.GetRequiredService<MyNoSqlHostedDatabase>().Database);
        services.AddHealthChecks().AddCheck<MyNoSqlHealthCheck>("mynosql");
        return services;
    }

    /// <summary>Binds the <c>MyNoSql</c> section when the app has configuration (before the callback, which wins).</summary>
    private sealed class MyNoSqlConfigurationBinding(IServiceProvider services) : IConfigureOptions<MyNoSqlServiceOptions>
    {
        public void Configure(MyNoSqlServiceOptions options) =>
            services.GetService<IConfiguration>()?.GetSection(ConfigurationSection).Bind(options);
    }
}
