using System.Text;
using CsCheck;

namespace GigaOffice.Tests.Requests.Fuzzing;

/// <summary>One HTTP request thrown at the service.</summary>
public sealed record FuzzCase(string Method, string Target, string? ContentType, byte[]? Body, (string Name, string Value)[] Headers, string Story)
{
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Target);
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            request.Content.Headers.ContentType = null;
            if (ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        foreach (var (name, value) in Headers)
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    /// <summary>What CsCheck prints for a failing case: short enough to read, enough to reproduce by hand.</summary>
    public override string ToString()
    {
        var body = Body is null ? "(none)" : Body.Length > 300 ? Encoding.UTF8.GetString(Body, 0, 300) + $"…({Body.Length} bytes)" : Encoding.UTF8.GetString(Body);
        return $"{Method} {(Target.Length > 200 ? Target[..200] + "…" : Target)} [{ContentType ?? "no content type"}] {string.Join("; ", Headers.Select(h => $"{h.Name}: {h.Value}"))}\n  {Story}\n  body: {body}";
    }
}

/// <summary>
/// Requests to every endpoint: bodies start from valid ones and are mutated (types, nesting,
/// sizes, unicode, extreme numbers, missing and extra fields, truncation, broken encodings);
/// path ids, query strings, content types and headers are drawn from hostile lists and randoms.
/// </summary>
public static class FuzzCases
{
    private static readonly string[] ProcessSeeds =
    [
        """{"query_text":"Проанализируй данные продаж и найди тренды","input_range":"A1:D10","category":"analysis","input_data":[["Товар","Январь","Февраль","Март"],["Товар A",100,120,110],["Товар B",80,90,95]]}""",
        """{"query_text":"Построй диаграмму продаж по месяцам","input_range":"A1:C4","input_data":[["Месяц","Продажи","План"],["Январь",10,12],["Февраль",14,12],["Март",9,12]]}""",
        """{"query_text":"Как посчитать среднее?"}""",
        """{"query_text":"Найди строки, где сумма больше 100","input_range":"$A$1:$B$3","category":"spreadsheet-search","input_data":[["Имя","Сумма"],["a",150],["b",null]]}""",
        """{"query_text":"Сгенерируй таблицу сотрудников","category":"Сгенерировать","input_data":null}""",
    ];

    private static readonly string[] ClassifySeeds =
    [
        """{"query_text":"Построй диаграмму продаж по месяцам"}""",
        """{"query_text":"Отсортируй по убыванию","input_range":"A1:B3","input_data":[["a",1],["b",2],["c",true]]}""",
    ];

    private static readonly string?[] OddContentTypes =
    [
        null, "application/json; charset=utf-16",
        "application/json; charset=latin1", "application/json; charset=nonsense", "text/plain", "text/json", "application/problem+json",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/*", "*/*", "APPLICATION/JSON",
        "application/json;;;", "garbage", "application/vnd.api+json", "", "application/json; charset=\"", "application/octet-stream",
    ];

    /// <summary>Mostly JSON, so that most bodies get past the content type to the binder and the validator.</summary>
    private static readonly Gen<string?> ContentType = Gen.Frequency(
        (6, Gen.Const<string?>("application/json")),
        (2, Gen.Const<string?>("application/json; charset=utf-8")),
        (3, Gen.OneOf(OddContentTypes)));

    private static readonly (string Name, string Value)[] ExtraHeaders =
    [
        ("Accept", "application/xml"), ("Accept", "text/html"), ("Accept", "application/problem+json;q=0"), ("Accept", "*/*;q=garbage"),
        ("Accept-Language", "ru-RU,ru;q=0.9"), ("Accept-Language", "xx;q=2"), ("Accept-Encoding", "gzip, br"), ("Content-Encoding", "gzip"),
        ("Content-Encoding", "identity, chunked, nonsense"), ("X-Forwarded-For", "1.2.3.4, not-an-ip"), ("X-Forwarded-Proto", "gopher"),
        ("X-Request-ID", "%00'\";--"), ("Authorization", "Bearer x"), ("Authorization", "Basic !!!"), ("X-Api-Key", "' OR 1=1"),
        ("Cookie", "a=" + new string('b', 4000)), ("Range", "bytes=0-1"), ("If-None-Match", "*"), ("If-Modified-Since", "yesterday"),
        ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "DELETE"), ("X-HTTP-Method-Override", "DELETE"),
        ("traceparent", "00-zzzz-yyyy-01"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), ("Expect", "100-continue"),
    ];

    private static readonly string[] NastyIds =
    [
        "", "null", "undefined", "0", "-1", "..", "%2E%2E", "%2F", "%00", "%ZZ", "%", "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff", "{00000000-0000-0000-0000-000000000000}", "(00000000-0000-0000-0000-000000000000)",
        "0000000000000000000000000000000", "00000000000000000000000000000000", "1 OR 1=1", "%27%3B--", "%D1%8F", "%F0%9F%98%80",
        "%ED%A0%80", "%C3", new string('a', 5000), "a%20b", "+", "%2B", "~", "*", "id?x=1", "id#frag",
    ];

    private static readonly string[] QueryValues =
    [
        "", "1h", "24h", "1d", "7d", "30d", "all", "ALL", " 1h ", "1y", "-1h", "true", "false", "1", "0", "yes", "TRUE", "null",
        "2026-11-24T10:00:00Z", "0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.9999999", "9999-12-31T23:59:59-14:00",
        "2026-13-45", "2026-02-30", "now", "1e400", "%00", "%ZZ", "analysis", "Проанализировать", "%D0%9F", "spreadsheet-search", "uncertain",
        new string('x', 3000),
    ];

    private static readonly string[] OtherMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND"];

    private static readonly Gen<string> Id = Gen.Frequency(
        (3, Gen.OneOf(NastyIds)),
        (2, Gen.Guid.Select(g => g.ToString())),
        (1, Gen.Guid.Select(g => g.ToString("N").ToUpperInvariant())),
        (1, Gen.String[0, 20].Select(Uri.EscapeDataString)));

    private static readonly Gen<string> QueryValue = Gen.Frequency(
        (4, Gen.OneOf(QueryValues)),
        (1, Gen.String[0, 30].Select(Uri.EscapeDataString)));

    private static readonly Gen<(string, string)[]> Headers = Gen.Frequency(
        (3, Gen.Const(Array.Empty<(string, string)>())),
        (2, Gen.OneOf(ExtraHeaders).Array[1, 3]));

    /// <summary>A mutation applied to a JSON body tree.</summary>
    private static readonly Gen<(Func<J, J> Apply, string Story)> Mutation = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf(FuzzGen.FieldNames), FuzzGen.Value).Select((key, value) =>
            ((Func<J, J>)(j => j is JObject o ? o.With(key, value) : j), $"set {key}={value}"))),
        (3, Gen.OneOf(FuzzGen.FieldNames).Select(key => ((Func<J, J>)(j => j is JObject o ? o.Without(key) : j), $"remove {key}"))),
        (3, Gen.Select(Gen.Int[0, 1000], FuzzGen.Value).Select((at, value) =>
            ((Func<J, J>)(j => j.Replace(at % j.Nodes().Count(), value)), $"replace node #{at} with {value}"))),
        (2, FuzzGen.Table.Select(table => ((Func<J, J>)(j => j is JObject o ? o.With("input_data", table) : j), $"input_data={table}"))),
        (1, FuzzGen.SizedString.Select(s => ((Func<J, J>)(j => j is JObject o ? o.With("query_text", s) : j), $"query_text={s}"))),
        (1, Gen.OneOf("wrap in array", "wrap in object", "duplicate keys").Select(how => ((Func<J, J>)(j => how switch
        {
            "wrap in array" => new JArray([j]),
            "wrap in object" => new JObject([("body", j)]),
            _ => j is JObject o ? new JObject([.. o.Fields, .. o.Fields]) : j,
        }), how))),
        (1, FuzzGen.Value.Select(v => ((Func<J, J>)(_ => v), $"body={v}"))));

    /// <summary>What happens to the rendered text on its way to bytes.</summary>
    private static readonly Gen<(Func<string, byte[]> Encode, string Story)> Transport = Gen.Frequency(
        (12, Gen.Const(((Func<string, byte[]>)Encoding.UTF8.GetBytes, "utf-8"))),
        (3, Gen.Int[0, 100].Select(percent => ((Func<string, byte[]>)(t => Encoding.UTF8.GetBytes(t[..(t.Length * percent / 100)])), $"truncated at {percent}%"))),
        (1, Gen.Const(((Func<string, byte[]>)(t => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(t)]), "utf-8 with BOM"))),
        (1, Gen.Const(((Func<string, byte[]>)Encoding.Unicode.GetBytes, "utf-16"))),
        (1, Gen.Select(Gen.Int[0, 100], Gen.OneOf<byte>(0xFF, 0xC3, 0xED, 0x80, 0x00)).Select((percent, b) =>
            ((Func<string, byte[]>)(t => { var bytes = Encoding.UTF8.GetBytes(t); if (bytes.Length > 0) bytes[(bytes.Length - 1) * percent / 100] = b; return bytes; }),
             $"byte 0x{b:X2} at {percent}%"))),
        (1, Gen.OneOf(" trailing", "{}", "]", "\u0000", ",").Select(tail => ((Func<string, byte[]>)(t => Encoding.UTF8.GetBytes(t + tail)), $"followed by '{tail}'"))),
        (1, Gen.Const(((Func<string, byte[]>)(t => Encoding.UTF8.GetBytes(t + new string(' ', 2 * 1024 * 1024 + 10))), "padded past the body limit"))),
        (1, FuzzGen.DeepNesting.Select(deep => ((Func<string, byte[]>)(_ => Encoding.UTF8.GetBytes(deep)), $"nesting {deep[..Math.Min(10, deep.Length)]}… ({deep.Length} chars)"))),
        (1, Gen.Byte.Array[0, 200].Select(bytes => ((Func<string, byte[]>)(_ => bytes), "random bytes"))),
        (1, Gen.OneOf("", "query_text=сумма&input_range=A1", "null", "[]", "\"text\"", "123", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--")
            .Select(text => ((Func<string, byte[]>)(_ => Encoding.UTF8.GetBytes(text)), $"replaced by '{text}'"))));

    private static Gen<FuzzCase> Post(string path, string[] seeds) =>
        from seed in Gen.OneOf(seeds)
        from mutations in Gen.Frequency((1, Mutation.Array[0, 1]), (2, Mutation.Array[1, 3]))
        from encoding in Transport
        from contentType in ContentType
        from headers in Headers
        let tree = mutations.Aggregate(J.Parse(seed), (j, m) => m.Apply(j))
        select new FuzzCase("POST", path, contentType, encoding.Encode(tree.Render()), headers,
            string.Join(" | ", mutations.Select(m => m.Story).Append(encoding.Story)));

    private static Gen<FuzzCase> Get(Gen<string> target) =>
        from t in target
        from headers in Headers
        select new FuzzCase("GET", t, null, null, headers, "get");

    /// <summary>The wrong verb, with or without a body, at any known path.</summary>
    private static readonly Gen<FuzzCase> WrongMethod =
        from method in Gen.OneOf(OtherMethods)
        from path in Gen.OneOf("/api/ai/process", "/api/prompts/classify", "/api/ai/status/00000000-0000-0000-0000-000000000000",
            "/api/metrics", "/api/prompts/categories", "/api/health", "/api/ai/process/extra", "/api/ai", "/api/unknown", "/", "/api//ai//process")
        from body in Gen.OneOf<byte[]?>(null, Encoding.UTF8.GetBytes(ProcessSeeds[0]), [])
        from contentType in ContentType
        select new FuzzCase(method, path, contentType, method is "GET" or "HEAD" or "TRACE" ? null : body, [], "method");

    public static Gen<FuzzCase> Any(Func<string> knownId) => Gen.Frequency(
        (10, Post("/api/ai/process", ProcessSeeds)),
        (5, Post("/api/prompts/classify", ClassifySeeds)),
        (2, Get(Gen.Select(Gen.OneOf("status", "result"), Gen.Frequency((4, Id), (1, Gen.Const(knownId))))
            .Select((what, id) => $"/api/ai/{what}/{id}"))),
        (1, Get(QueryValue.Select(v => $"/api/prompts/categories?include_inactive={v}"))),
        (1, Get(QueryValue.Select(v => $"/api/prompts/presets?category={v}"))),
        (2, Get(Gen.Select(QueryValue, QueryValue, QueryValue, Gen.Int[0, 7]).Select((p, f, t, mask) =>
            "/api/metrics?" + string.Join("&", new[] { (1, $"period={p}"), (2, $"from={f}"), (4, $"to={t}") }.Where(x => (mask & x.Item1) != 0).Select(x => x.Item2))))),
        (1, Get(Gen.OneOf("/api/health", "/health/live", "/health/ready", "/api/prompts/categories", "/api/prompts/presets", "/api/metrics"))),
        (1, WrongMethod));
}
