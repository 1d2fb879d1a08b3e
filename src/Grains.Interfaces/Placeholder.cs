namespace MyNoSql.Grains.Interfaces;

internal static class AssemblyMarker;
