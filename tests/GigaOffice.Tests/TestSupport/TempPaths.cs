namespace GigaOffice.Tests.TestSupport;

/// <summary>Fresh paths under one directory per test process.</summary>
public static class TempPaths
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "gigaoffice-tests", Environment.ProcessId.ToString());

    public static string NewDatabase() => Path.Combine(NewDirectory(), "gigaoffice.db");

    public static string NewDirectory()
    {
        var path = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
