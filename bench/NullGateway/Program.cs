// A gateway that does nothing but pass POST /v1/chat/completions on to the fake GigaChat's
// /chat/completions (same body, its own bearer token, the answer streamed back as it comes): no key,
// no limits, no quota, no record. bench/run-openai-events.sh measures it beside the service, so the
// service's overhead can be read against what one more ASP.NET Core hop costs here at all.
//   dotnet NullGateway.dll --port P --fake https://127.0.0.1:F/api/v1 --ca ca.pem --token T
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;

var options = args.Chunk(2).ToDictionary(p => p[0].TrimStart('-'), p => p[1]);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{options["port"]}");
var app = builder.Build();

var ca = new X509Certificate2Collection();
ca.ImportFromPemFile(options["ca"]);
var upstream = new HttpClient(new SocketsHttpHandler
{
    SslOptions =
    {
        // Trust exactly the fake's CA, as the service does with GIGACHAT_CA_BUNDLE_FILE.
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck } };
            chain.ChainPolicy.CustomTrustStore.AddRange(ca);
            return certificate is X509Certificate2 c && chain.Build(c);
        },
    },
}) { BaseAddress = new Uri(options["fake"].TrimEnd('/') + "/") };

app.MapPost("/v1/chat/completions", async (HttpContext http) =>
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = new StreamContent(http.Request.Body) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options["token"]);
    using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
    http.Response.StatusCode = (int)response.StatusCode;
    http.Response.ContentType = response.Content.Headers.ContentType?.ToString();
    await using var body = await response.Content.ReadAsStreamAsync(http.RequestAborted);
    var buffer = new byte[16 * 1024];
    int read;
    while ((read = await body.ReadAsync(buffer, http.RequestAborted)) > 0)
    {
        await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted); // pass each streamed chunk on at once
    }
});
app.Run();
