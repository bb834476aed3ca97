using System.Text.Json.Nodes;
using GigaOffice.Requests;
using Microsoft.OpenApi;

namespace GigaOffice.Infrastructure;

public static class OpenApiSetup
{
    public static IServiceCollection AddGigaOfficeOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "GigaOffice AI Service";
                document.Info.Description = "Промежуточный сервис между плагином Р7-Офис и GigaChat.";
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(RequestResultResponse)) schema.Example = ResultExample;
                if (context.JsonTypeInfo.Type == typeof(ProcessRequest)) schema.Example = ProcessExample;
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "GigaOffice API");
            o.DocumentTitle = "GigaOffice API — Swagger UI";
        });
        app.UseReDoc(o =>
        {
            o.RoutePrefix = "redoc";
            o.SpecUrl = "/openapi/v1.json";
            o.DocumentTitle = "GigaOffice API — ReDoc";
        });
        return app;
    }

    private static readonly JsonNode ProcessExample = JsonNode.Parse("""
        {
          "query_text": "Проанализируй данные продаж и найди тренды",
          "input_range": "A1:D10",
          "category": "analysis",
          "input_data": [["Товар", "Январь", "Февраль", "Март"], ["Товар A", 100, 120, 110], ["Товар B", 80, 90, 95]]
        }
        """)!;

    private static readonly JsonNode ResultExample = JsonNode.Parse("""
        {
          "request_id": "019a8f5e-7c1d-7b3e-9a51-2f6c0d4e8b21",
          "status": "completed",
          "category": "spreadsheet-analysis",
          "result": {
            "text": "Проанализировано строк: 2. Товар A: сумма 330, среднее 110, тренд — рост (+10%).",
            "output_range": "F1:L3",
            "table": [["Товар", "Сумма", "Среднее", "Минимум", "Максимум", "Тренд", "Изменение, %"],
                      ["Товар A", 330, 110, 100, 120, "рост", 10],
                      ["Товар B", 265, 88.33, 80, 95, "рост", 18.75]],
            "chart": null
          },
          "error": null,
          "tokens": { "prompt": 812, "completion": 164, "total": 976 },
          "processing_time_ms": 1240.5,
          "model": "GigaChat",
          "prompt_version": 1,
          "created_at": "2026-11-24T10:15:00Z",
          "completed_at": "2026-11-24T10:15:01.3Z"
        }
        """)!;
}
