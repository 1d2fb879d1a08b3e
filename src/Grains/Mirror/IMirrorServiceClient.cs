using Orleans.Services;

namespace MyNoSql.Grains.Mirror;

/// <summary>Reaches the <see cref="IMirrorService"/> of one specific silo.</summary>
internal interface IMirrorServiceClient : IGrainServiceClient<IMirrorService>, IMirrorLocalAccess;
