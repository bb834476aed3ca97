using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GigaOffice.Tests.Infrastructure;

public sealed class OpenApiAnswersTests : IDisposable
{
    private readonly TestApp _app = new TestApp().WithServiceDefaults().WithAdminKey();
    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Documents_the_structured_api_feedback_and_admin_endpoints_with_examples()
    {
        var document = await _app.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var paths = document!["paths"]!.AsObject();
        foreach (var path in new[] { "/api/v1/ai/process", "/api/v1/ai/result/{request_id}", "/api/ai/feedback", "/api/admin/categories", "/api/admin/categories/{name}", "/api/admin/presets/{name}", "/api/ai/process" })
            Assert.True(paths.ContainsKey(path), path);
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("Выдели зелёным", schemas["StructuredProcessRequest"]!["example"]!.ToJsonString(new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Equal("E1:F1", schemas["StructuredResultResponse"]!["example"]!["result"]!["data"]!["header"]!["range"]!.GetValue<string>());
        Assert.Equal(4, schemas["FeedbackRequest"]!["example"]!["rating"]!.GetValue<int>());
        Assert.True(schemas.ContainsKey("SpreadsheetDocument"));
        Assert.True(schemas.ContainsKey("CellStyle"));
    }
}
