using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Processes;

/// <summary>
/// The Silo, Api and simulator as built by this same build (the test project references them so they are built
/// first), run with `dotnet` exactly as their Dockerfiles run them.
/// </summary>
public static class BuiltHosts
{
    private static readonly string Configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string Silo => Find("Silo", "QuoteCluster.Silo.dll");

    public static string Api => Find("Api", "QuoteCluster.Api.dll");

    public static string AlpacaSimulator => Find(Path.Combine("tools", "AlpacaSimulator.Host"), "QuoteCluster.AlpacaSimulator.Host.dll");

    private static string Find(string project, string assembly)
    {
        var path = Path.Combine(RepositoryRoot.Path, project, "bin", Configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assembly} is not built at {path}: build the solution first", path);
    }
}
