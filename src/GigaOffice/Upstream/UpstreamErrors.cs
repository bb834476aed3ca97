using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GigaOffice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GigaOffice.Upstream;

/// <summary>One entry of FastAPI's 422 answer: what kind of error, where (["body", "query_text"]), and a message.</summary>
public sealed record FastApiError(string Type, IReadOnlyList<object> Loc, string Msg)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? Input { get; init; }
}

/// <summary>FastAPI's validation answer: <c>{"detail": [...]}</c>.</summary>
public sealed record FastApiValidation(List<FastApiError> Detail);

/// <summary>FastAPI's HTTPException answer: <c>{"detail": "Request not found"}</c>.</summary>
public sealed record FastApiDetail(string Detail);

/// <summary>
/// Errors in the format clients of the upstream server (a FastAPI application) parse: 422 with a
/// list of located errors for invalid input, <c>{"detail": "..."}</c> otherwise.
/// </summary>
public static class UpstreamErrors
{
    /// <summary>The paths of the upstream API; /api/v1/ai is this service's own structured API.</summary>
    public static bool Owns(PathString path) =>
        (path.StartsWithSegments("/api/v1") && !path.StartsWithSegments("/api/v1/ai")) || path.StartsWithSegments("/robots.txt");

    public static JsonHttpResult<FastApiValidation> Invalid(IEnumerable<FastApiError> errors) =>
        TypedResults.Json(new FastApiValidation([.. errors]), statusCode: StatusCodes.Status422UnprocessableEntity);

    public static JsonHttpResult<FastApiValidation> Invalid(params FastApiError[] errors) => Invalid(errors.AsEnumerable());

    public static JsonHttpResult<FastApiDetail> Detail(int status, string detail) => TypedResults.Json(new FastApiDetail(detail), statusCode: status);

    public static FastApiError Missing(string field) => new("missing", Loc("body", field), "Field required");

    public static FastApiError Value(string field, string message, string where = "body") => new("value_error", Loc(where, field), "Value error, " + message);

    /// <summary>Field errors of the service's own checks ("data.rows[2].values[1]": [...]) under a prefix of the upstream body.</summary>
    public static IEnumerable<FastApiError> FromFields(IDictionary<string, string[]> errors, string prefix) =>
        errors.SelectMany(e => e.Value.Select(message => Value(prefix.Length == 0 ? e.Key : $"{prefix}.{e.Key}", message)));

    /// <summary>What the framework throws on a body it cannot read, as FastAPI would answer it.</summary>
    public static IResult FromBadRequest(BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge) return Detail(413, "Request body too large");
        if (bad.InnerException is JsonException json)
        {
            if (ProblemExceptionHandler.UnknownField(json) is { } field)
                return Invalid(new FastApiError("extra_forbidden", Loc("body", field), "Extra inputs are not permitted"));
            var at = ProblemExceptionHandler.FieldOf(json.Path);
            return at == "body"
                ? Invalid(new FastApiError("json_invalid", ["body"], "JSON decode error"))
                : Invalid(new FastApiError("type_error", Loc("body", at), "Input has a wrong type or format"));
        }
        // No body, or not JSON: FastAPI says the body is missing.
        return Invalid(new FastApiError("missing", ["body"], "Field required"));
    }

    /// <summary>"spreadsheet_data.styles[0].id" → ["body", "spreadsheet_data", "styles", 0, "id"].</summary>
    public static IReadOnlyList<object> Loc(string where, string field)
    {
        var loc = new List<object> { where };
        foreach (var part in field.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = part.IndexOf('[');
            loc.Add(bracket < 0 ? part : part[..bracket]);
            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                if (close < 0) break;
                var index = part[(bracket + 1)..close];
                loc.Add(int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : index);
                bracket = part.IndexOf('[', close);
            }
        }
        return loc;
    }
}
