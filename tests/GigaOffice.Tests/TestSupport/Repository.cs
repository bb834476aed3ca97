namespace GigaOffice.Tests.TestSupport;

/// <summary>The repository checkout the tests run from (for its files and the built service).</summary>
public static class Repository
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GigaOffice.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("GigaOffice.slnx not found above " + AppContext.BaseDirectory);
    }
}
