using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MyNoSql.Grains.Attachments;

/// <summary>Adds attachments (DESIGN §9) to a mirror silo set up with <c>AddMyNoSqlMirror</c>.</summary>
internal static class MirrorAttachmentExtensions
{
    /// <summary>
    /// This silo's chunk stores (<see cref="MirrorAttachments"/>), the quorum copy of uploads, the repair of missing
    /// bodies in the anti-entropy rounds and the periodic collection of unreferenced bodies.
    /// </summary>
    public static ISiloBuilder AddMirrorAttachments(this ISiloBuilder builder, Action<MirrorAttachmentOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<MirrorAttachmentOptions>().Configure(configure)
            .Validate(o => o.Validate() is null, "Invalid attachment options (see MirrorAttachmentOptions.Validate).")
            .ValidateOnStart();
        services.TryAddSingleton<MirrorAttachments>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<MirrorAttachments>());
        services.TryAddSingleton<AttachmentCopies>();
        services.TryAddSingleton<AttachmentUpload>();
        services.TryAddSingleton<AttachmentRepair>();
        services.TryAddSingleton<AttachmentCollector>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<AttachmentCollector>());
        return builder;
    }
}
