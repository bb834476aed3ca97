namespace GigaOffice.Tests.TestSupport;

/// <summary>One app shared by a test class.</summary>
public class TestAppFixture : IAsyncLifetime
{
    public TestAppFixture() : this(null) { }

    protected TestAppFixture(Dictionary<string, string?>? settings) => App = new TestApp(settings);

    public TestApp App { get; }
    public HttpClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Client = App.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
