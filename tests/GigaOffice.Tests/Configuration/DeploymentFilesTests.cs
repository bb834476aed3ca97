using System.Net;
using System.Text.RegularExpressions;
using GigaOffice.Configuration;
using GigaOffice.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace GigaOffice.Tests.Configuration;

/// <summary>
/// Docker cannot run on the build machines, so the deployment files are checked by reading them:
/// every variable they name must be one the service reads, and each file must set what its
/// setup needs.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Root = Repository.Root();
    private static string Deploy(string path) => Path.Combine(Root, "deploy", path);

    private static bool Known(string variable) =>
        SeedVariables.Map.ContainsKey(variable) || variable.StartsWith("ASPNETCORE_") || variable.StartsWith("DOTNET_")
        || variable == MallocArenaMax; // read by glibc before the service runs

    // glibc's limit of malloc arenas: native code allocating from many threads otherwise keeps memory in an arena per thread.
    private const string MallocArenaMax = "MALLOC_ARENA_MAX";

    private static void AssertKnown(IEnumerable<string> variables, string file)
    {
        var unknown = variables.Where(v => !Known(v)).Distinct().ToList();
        Assert.True(unknown.Count == 0, $"{file} names variables the service does not read: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Env_example_names_every_variable_the_service_reads_and_no_other()
    {
        var names = EnvExampleLines().Select(l => l.Name).ToList();
        AssertKnown(names, ".env.example");
        var missing = SeedVariables.Map.Keys.Where(k => !names.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.True(missing.Count == 0, $".env.example does not mention: {string.Join(", ", missing)}");
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public async Task The_service_starts_with_the_values_of_env_example()
    {
        // Paths stay in the test's temporary directory; everything else is taken as written.
        var settings = EnvExampleLines().Where(l => !l.Commented && l.Name is not ("DB_SQLITE_PATH" or "LOG_DIR"))
            .ToDictionary(l => SeedVariables.Map[l.Name], l => (string?)l.Value);
        await using var app = new TestApp(settings).WithServiceDefaults();
        await app.WaitForDatabaseAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public void Compose_runs_two_instances_behind_nginx_with_postgres_and_kafka_in_kraft_mode()
    {
        var compose = LoadYaml(Deploy("docker-compose.yml"));
        var services = (YamlMappingNode)compose["services"];
        var all = services.Children.ToDictionary(s => ((YamlScalarNode)s.Key).Value!, s => (YamlMappingNode)s.Value);

        // Every ${VAR} must be a variable of .env (compose reads it with --env-file .env).
        var text = File.ReadAllText(Deploy("docker-compose.yml"));
        AssertKnown(InterpolatedVariable().Matches(text).Select(m => m.Groups[1].Value), "docker-compose.yml");

        var instances = all.Where(s => Scalar(s.Value, "image") == "gigaoffice:latest" && !s.Value.Children.ContainsKey("command")).ToList();
        Assert.Equal(2, instances.Count);
        foreach (var (name, service) in instances)
        {
            var environment = EnvironmentOf(service);
            AssertKnown(environment.Keys, $"docker-compose.yml service {name}");
            Assert.Equal("0.0.0.0", environment["HOST"]);
            Assert.Equal("required", environment["AUTH_MODE"]);
            Assert.Equal("postgres", environment["DB_HOST"]);
            Assert.Contains("DB_PASSWORD", environment.Keys);
            Assert.Equal("false", environment["DB_MIGRATE_ON_START"]);
            Assert.Equal("kafka:9092", environment["KAFKA_BOOTSTRAP_SERVERS"]);
            var envFile = ((YamlSequenceNode)service["env_file"]).Children.Cast<YamlMappingNode>().Single();
            Assert.Equal("../.env", Scalar(envFile, "path"));
            Assert.True(File.Exists(Path.Combine(Root, ".env.example")));
        }

        // One service migrates before the instances start.
        var migrate = all.Single(s => Scalar(s.Value, "image") == "gigaoffice:latest" && s.Value.Children.ContainsKey("command"));
        Assert.Equal("migrate", ((YamlSequenceNode)migrate.Value["command"]).Children.Cast<YamlScalarNode>().Single().Value);
        Assert.Equal("deploy/Dockerfile", Scalar((YamlMappingNode)migrate.Value["build"], "dockerfile"));
        AssertKnown(EnvironmentOf(migrate.Value).Keys, "docker-compose.yml service migrate");
        foreach (var (_, service) in instances)
            Assert.Equal("service_completed_successfully", Scalar((YamlMappingNode)((YamlMappingNode)service["depends_on"])[migrate.Key], "condition"));

        Assert.StartsWith("postgres:", Scalar(all["postgres"], "image"));
        var kafka = all["kafka"];
        Assert.StartsWith("apache/kafka:", Scalar(kafka, "image"));
        var kafkaEnvironment = EnvironmentOf(kafka);
        Assert.Contains("controller", kafkaEnvironment["KAFKA_PROCESS_ROLES"]);
        Assert.Contains("PLAINTEXT://kafka:9092", kafkaEnvironment["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.DoesNotContain(all.Keys, k => k.Contains("zookeeper"));

        // nginx forwards to exactly these instances, on the port they listen on.
        var nginx = all["nginx"];
        var mount = ((YamlSequenceNode)nginx["volumes"]).Children.Cast<YamlScalarNode>().Single().Value!;
        var conf = Path.GetFullPath(mount.Split(':')[0], Path.Combine(Root, "deploy"));
        var upstream = UpstreamServers(File.ReadAllText(conf));
        Assert.Equal(instances.Select(i => $"{i.Key}:{EnvironmentOf(i.Value)["PORT"]}").Order(), upstream.Order());
    }

    [Fact]
    public void Dockerfile_builds_with_the_sdk_runs_on_aspnet_and_uses_known_settings()
    {
        var lines = DockerfileInstructions(File.ReadAllText(Deploy("Dockerfile")));
        var from = lines.Where(l => l.StartsWith("FROM ")).ToList();
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", from[0]);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", from[^1]);

        var environment = lines.Where(l => l.StartsWith("ENV ")).SelectMany(l => DockerEnv().Matches(l[4..]))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        AssertKnown(environment.Keys, "deploy/Dockerfile");
        Assert.Equal("0.0.0.0", environment["HOST"]);
        Assert.Equal("2", environment[MallocArenaMax]); // glibc reads it before the service runs
        Assert.Equal($"EXPOSE {environment["PORT"]}", lines.Single(l => l.StartsWith("EXPOSE ")));
        Assert.Equal("ENTRYPOINT [\"dotnet\", \"GigaOffice.dll\"]", lines.Single(l => l.StartsWith("ENTRYPOINT ")));
        Assert.Contains(lines, l => l.StartsWith("USER "));

        // What the build copies exists in the repository (the build context is its root).
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ") && !l.Contains("--from")))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1];
            foreach (var source in parts)
                Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"Dockerfile copies a missing {source}");
        }
    }

    [Fact]
    public void Systemd_unit_and_nginx_example_agree_on_ports_and_use_known_settings()
    {
        var unit = File.ReadAllLines(Deploy("systemd/gigaoffice@.service")).Select(l => l.Trim()).ToList();
        var environment = unit.Where(l => l.StartsWith("Environment=")).Select(l => l["Environment=".Length..].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        AssertKnown(environment.Keys, "deploy/systemd/gigaoffice@.service");
        Assert.Equal("%i", environment["PORT"]);
        // Behind nginx the service is reachable from outside although it listens on localhost.
        Assert.Equal("required", environment["AUTH_MODE"]);
        Assert.Contains("%i", environment["LOG_DIR"]);
        Assert.Equal("2", environment[MallocArenaMax]);
        Assert.Contains(unit, l => l.StartsWith("ExecStart=") && l.EndsWith("/GigaOffice.dll"));
        Assert.Contains("Type=notify", unit);
        Assert.Contains("WantedBy=multi-user.target", unit);

        var upstream = UpstreamServers(File.ReadAllText(Deploy("nginx/gigaoffice.conf")));
        Assert.True(upstream.Count >= 2);
        Assert.All(upstream, server => Assert.Matches(@"^127\.0\.0\.1:\d+$", server));
    }

    [Theory]
    [InlineData("nginx/gigaoffice.conf")]
    [InlineData("nginx/compose.conf")]
    public void Nginx_keeps_keys_out_of_its_log_and_routes_a_key_to_one_instance(string file)
    {
        var conf = File.ReadAllText(Deploy(file));
        var logFormat = Regex.Match(conf, @"log_format[^;]*;", RegexOptions.Singleline).Value;
        Assert.NotEmpty(logFormat);
        Assert.DoesNotContain("$http_authorization", logFormat);
        Assert.DoesNotContain("$http_x_api_key", logFormat);
        Assert.DoesNotContain("$request ", logFormat + " "); // the full request line could carry a query string
        Assert.Matches(@"hash \$http_authorization\$http_x_api_key consistent;", conf);
        Assert.Contains("proxy_pass http://gigaoffice;", conf);
        Assert.Contains("proxy_set_header X-Correlation-ID", conf);
    }

    private sealed record EnvLine(string Name, string Value, bool Commented);

    private static List<EnvLine> EnvExampleLines() =>
        File.ReadAllLines(Path.Combine(Root, ".env.example"))
            .Select(l => EnvAssignment().Match(l))
            .Where(m => m.Success)
            .Select(m => new EnvLine(m.Groups[2].Value, m.Groups[3].Value.Trim(), m.Groups[1].Success))
            .ToList();

    private static YamlMappingNode LoadYaml(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value : null;

    private static Dictionary<string, string> EnvironmentOf(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "");

    private static List<string> UpstreamServers(string conf) =>
        Regex.Matches(Regex.Match(conf, @"upstream gigaoffice \{(.*?)\}", RegexOptions.Singleline).Groups[1].Value, @"^\s*server\s+(\S+)", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();

    /// <summary>Instructions with continuation lines joined and comments dropped.</summary>
    private static List<string> DockerfileInstructions(string text) =>
        Regex.Replace(text, @"\\\r?\n\s*", " ").Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [GeneratedRegex(@"^\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")]
    private static partial Regex EnvAssignment();

    /// <summary>${VAR} and ${VAR:-default}, not the escaped $${VAR} that reaches the container's shell.</summary>
    [GeneratedRegex(@"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex InterpolatedVariable();

    [GeneratedRegex(@"([A-Z][A-Z0-9_]*)=(\S*)")]
    private static partial Regex DockerEnv();
}
