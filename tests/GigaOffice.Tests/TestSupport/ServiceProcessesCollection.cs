namespace GigaOffice.Tests.TestSupport;

/// <summary>Tests that start several real service processes; they run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceProcessesCollection
{
    public const string Name = "service processes";
}
