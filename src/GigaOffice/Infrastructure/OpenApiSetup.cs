using System.Text.Json.Nodes;
using GigaOffice.Clients;
using GigaOffice.Requests;
using Microsoft.OpenApi;

#pragma warning disable CS0618 // Schema.Example is what Swagger UI and ReDoc render as the example.

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
                if (context.JsonTypeInfo.Type == typeof(StructuredProcessRequest)) schema.Example = StructuredProcessExample;
                if (context.JsonTypeInfo.Type == typeof(StructuredResultResponse)) schema.Example = StructuredResultExample;
                if (context.JsonTypeInfo.Type == typeof(Feedback.FeedbackRequest)) schema.Example = FeedbackExample;
                if (context.JsonTypeInfo.Type == typeof(Prompts.CategoryPatch)) schema.Example = CategoryPatchExample;
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").PublicEndpoint();
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

    private static readonly JsonNode StructuredProcessExample = JsonNode.Parse("""
        {
          "query_text": "Выдели зелёным максимальные продажи в каждом месяце",
          "category": "spreadsheet-formatting",
          "worksheet": { "name": "Лист1", "range": "A1:D4" },
          "data": {
            "header": { "values": ["Товар", "Январь", "Февраль", "Март"], "style": "header" },
            "rows": [
              { "values": ["Товар A", 100, 120, 110] },
              { "values": ["Товар B", 80, 130, 95] },
              { "values": ["Товар C", 105, 90, 140] }
            ]
          },
          "styles": [{ "id": "header", "font_weight": "bold", "background_color": "#D9D9D9" }]
        }
        """)!;

    private static readonly JsonNode StructuredResultExample = JsonNode.Parse("""
        {
          "request_id": "019a8f5e-7c1d-7b3e-9a51-2f6c0d4e8b21",
          "status": "completed",
          "category": "spreadsheet-analysis",
          "result": {
            "text": "Средние продажи за три месяца: у товара A — 110, у товара B — 88,33.",
            "worksheet": { "name": null, "range": "E1:F3" },
            "data": {
              "header": { "values": ["Среднее", "Итого"], "style": "header", "range": "E1:F1" },
              "rows": [
                { "values": [110, "=SUM(B2:D2)"], "style": null, "range": "E2:F2" },
                { "values": [88.33, "=SUM(B3:D3)"], "style": null, "range": "E3:F3" }
              ]
            },
            "columns": [{ "index": 0, "format": "# ##0.00" }],
            "styles": [{ "id": "header", "background_color": "#D9D9D9", "font_weight": "bold", "horizontal_alignment": "center" }],
            "style_ranges": null,
            "chart": null
          },
          "error": null,
          "tokens": { "prompt": 812, "completion": 164, "total": 976 },
          "cached": false,
          "cached_from": null,
          "processing_time_ms": 1240.5,
          "model": "GigaChat",
          "prompt_version": 1,
          "created_at": "2026-11-24T10:15:00Z",
          "completed_at": "2026-11-24T10:15:01.3Z"
        }
        """)!;

    private static readonly JsonNode FeedbackExample = JsonNode.Parse("""
        { "request_id": "019a8f5e-7c1d-7b3e-9a51-2f6c0d4e8b21", "rating": 4, "comment": "Верно, но округлите до целых" }
        """)!;

    private static readonly JsonNode CategoryPatchExample = JsonNode.Parse("""
        { "system_prompt": "Ты — ассистент табличного редактора Р7-Офис. ...", "keywords": ["анализ", "тренд", "средн"] }
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
          "completed_at": "2026-11-24T10:15:01.3Z",
          "cached": false,
          "cached_from": null
        }
        """)!;
}
