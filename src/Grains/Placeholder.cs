namespace MyNoSql.Grains;

internal static class AssemblyMarker;
