using System.Data.Common;
using System.Net;
using MyNoSql.Grains;
using MyNoSql.Silo.Configuration;
using Npgsql;
using Orleans.Configuration;

namespace MyNoSql.Silo.Hosting;

/// <summary>Configures the Orleans silo of a mirror from <see cref="MirrorOptions"/>.</summary>
internal static class OrleansSetup
{
    public const string AdoNetInvariant = "Npgsql";
    public const string AdoNetStorageName = "adonet";

    public static void Configure(ISiloBuilder silo, MirrorOptions o, string dataDirectory, string siloName)
    {
        silo.Configure<ClusterOptions>(c =>
        {
            c.ClusterId = o.ClusterId;
            c.ServiceId = o.ServiceId;
        });
        silo.Configure<SiloOptions>(s => s.SiloName = siloName);
        if (o.UsesAdoNet && !DbProviderFactories.TryGetFactory(AdoNetInvariant, out _))
            DbProviderFactories.RegisterFactory(AdoNetInvariant, NpgsqlFactory.Instance);

        if (o.Clustering == "adonet")
        {
            silo.UseAdoNetClustering(a =>
            {
                a.Invariant = AdoNetInvariant;
                a.ConnectionString = o.ConnectionString;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(o.AdvertiseIp), o.SiloPort, o.GatewayPort);
            // In a pod: name, address and ids from the pod's environment (set after the defaults above), dead pods leave.
            if (o.Kubernetes) silo.UseKubernetesHosting();
        }
        else
        {
            IPEndPoint? primary = null;
            if (!string.IsNullOrWhiteSpace(o.Primary)) MirrorOptionsValidator.TryParseEndpoint(o.Primary, out primary);
            silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort, primary, o.ServiceId, o.ClusterId);
        }

        string storageName;
        if (o.Storage == "adonet")
        {
            storageName = AdoNetStorageName;
            silo.AddAdoNetGrainStorage(AdoNetStorageName, a =>
            {
                a.Invariant = AdoNetInvariant;
                a.ConnectionString = o.ConnectionString;
            });
        }
        else
        {
            storageName = LzmaShardStorageExtensions.DefaultName;
            silo.AddLzmaShardGrainStorage(storageName, s =>
            {
                s.Directory = Path.Combine(dataDirectory, "mirror");
                // A damaged store is set aside and refilled only where other mirrors are known to hold copies: a joiner names
                // the first mirror; under ADO.NET clustering mirrors are peers. The first (or only) mirror under localhost
                // clustering refuses to start instead (deploy/README.md, damaged stores).
                s.SetAsideDamagedStore = o.Clustering == "adonet" || !string.IsNullOrWhiteSpace(o.Primary);
            });
        }

        silo.AddMyNoSqlMirror(m =>
        {
            m.StorageName = storageName;
            m.Replicate = o.Storage != "adonet";
            m.WriteQuorum = o.WriteQuorum;
            m.Replicas = o.Replicas;
            m.RebalanceRecordsPerSecond = o.RebalanceRate;
            m.ReplicationTimeout = TimeSpan.FromSeconds(o.ReplicationTimeoutSeconds);
            m.AntiEntropyInterval = TimeSpan.FromSeconds(o.AntiEntropySeconds);
            m.TombstoneHorizon = TimeSpan.FromSeconds(o.TombstoneHorizonSeconds);
            m.AdvertisedUrl = o.EffectiveAdvertiseUrl();
            m.MaxDocumentSize = o.MaxDocumentSize;
            m.HistoryDepth = o.HistoryDepth;
        });
        // Attachment bodies (DESIGN §9): one chunk store per database under <data>/attachments, on every silo.
        Grains.Attachments.MirrorAttachmentExtensions.AddMirrorAttachments(silo, a =>
        {
            a.Directory = Path.Combine(dataDirectory, "attachments");
            a.MaxAttachmentBytes = o.MaxAttachmentBytes;
        });
    }
}
