using System.Text;
using System.Text.Json;
using GigaOffice.Clients;
using GigaOffice.Data;
using GigaOffice.Prompts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GigaOffice.Upstream;

/// <summary>
/// POST /api/v1/spreadsheets/data/search?domain=header: the known column headers nearest to each
/// search string. Known headers are those of the prompts' worked examples and of the client's own
/// latest tables; nearness is the overlap of letter trigrams (Dice), so "Выручка, руб" finds
/// "Выручка" and a typo still matches.
/// </summary>
public static class HeaderSearch
{
    private const int RecentTables = 200;
    private const int MaxStrings = 100;

    internal static async Task<Results<Ok<List<SearchResult>>, JsonHttpResult<FastApiValidation>, JsonHttpResult<FastApiDetail>>> SearchAsync(
        SearchRequest body, string? domain, string? limit, PromptCatalog prompts, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var errors = new List<FastApiError>();
        if (domain is null) errors.Add(new FastApiError("missing", ["query", "domain"], "Field required"));
        int count = 0;
        if (limit is null) errors.Add(new FastApiError("missing", ["query", "limit"], "Field required"));
        else if (!int.TryParse(limit, out count))
            errors.Add(new FastApiError("int_parsing", ["query", "limit"], "Input should be a valid integer, unable to parse string as an integer") { Input = limit });
        List<string>? strings = body.Data switch
        {
            { ValueKind: JsonValueKind.String } one => [one.GetString()!],
            { ValueKind: JsonValueKind.Array } many when many.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                many.EnumerateArray().Select(e => e.GetString()!).ToList(),
            _ => null,
        };
        if (body.Data is null) errors.Add(UpstreamErrors.Missing("data"));
        else if (strings is null) errors.Add(new FastApiError("string_type", ["body", "data"], "Input should be a valid string or a list of strings"));
        else if (strings.Count > MaxStrings) errors.Add(UpstreamErrors.Value("data", $"At most {MaxStrings} search strings"));
        if (errors.Count > 0) return UpstreamErrors.Invalid(errors);
        if (domain != "header") return UpstreamErrors.Detail(400, "Invalid domain parameter. Only 'header' is supported.");
        if (count is < 1 or > 100) return UpstreamErrors.Detail(400, "Limit must be between 1 and 100");

        var known = await KnownHeadersAsync(prompts, db, http, ct);
        var grams = known.Select(h => (Header: h, Grams: Trigrams(h))).ToList();
        return TypedResults.Ok(strings!.Select(s =>
        {
            var wanted = Trigrams(s);
            var found = grams.Select(k => new SearchResultItem(k.Header, Math.Round(Dice(wanted, k.Grams), 4)))
                .Where(i => i.Score > 0).OrderByDescending(i => i.Score).ThenBy(i => i.Text, StringComparer.Ordinal).Take(count).ToList();
            return new SearchResult(s, found);
        }).ToList());
    }

    private static async Task<List<string>> KnownHeadersAsync(PromptCatalog prompts, GigaOfficeDbContext db, HttpContext http, CancellationToken ct)
    {
        var headers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var example in (await prompts.GetAsync(ct)).Categories.SelectMany(c => c.Examples))
            if (example.InputData is { ValueKind: JsonValueKind.Array } rows && rows.GetArrayLength() > 0) AddHeader(headers, rows[0]);
        var tables = await db.Requests.AsNoTracking().ForClient(http).Where(r => r.InputDataJson != null)
            .OrderByDescending(r => r.CreatedAt).Take(RecentTables).Select(r => r.InputDataJson!).ToListAsync(ct);
        foreach (var table in tables) AddHeader(headers, FirstRow(table));
        return headers.ToList();
    }

    private static void AddHeader(HashSet<string> headers, JsonElement? firstRow)
    {
        if (firstRow is not { ValueKind: JsonValueKind.Array } row) return;
        foreach (var cell in row.EnumerateArray())
            if (cell.ValueKind == JsonValueKind.String && cell.GetString()!.Trim() is { Length: > 0 and <= 100 } text && !double.TryParse(text, out _))
                headers.Add(text);
    }

    /// <summary>Only the first row of a stored table is read: tables may be megabytes.</summary>
    private static JsonElement? FirstRow(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
        return JsonElement.ParseValue(ref reader);
    }

    private static HashSet<string> Trigrams(string text)
    {
        var normal = new StringBuilder(" ");
        foreach (var ch in text.ToLowerInvariant().Replace('ё', 'е'))
            normal.Append(char.IsLetterOrDigit(ch) ? ch : ' ');
        var words = $" {string.Join(' ', normal.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))} ";
        var grams = new HashSet<string>();
        for (var i = 0; i + 3 <= words.Length; i++) grams.Add(words.Substring(i, 3));
        return grams;
    }

    private static double Dice(HashSet<string> a, HashSet<string> b) =>
        a.Count + b.Count == 0 ? 0 : 2.0 * a.Count(b.Contains) / (a.Count + b.Count);
}
