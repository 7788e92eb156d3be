using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;
using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace QuoteCluster.Tests.Kubernetes;

/// <summary>
/// Renders `k8s/` with `kubectl kustomize`, as a user applying it would, and checks the invariants a production
/// cluster depends on.
/// </summary>
public sealed class ManifestTests
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> Example = new(() => Render(Path.Combine("k8s", "overlays", "example")));

    [Fact]
    public void The_base_and_the_example_overlay_render()
    {
        Assert.NotEmpty(Render(Path.Combine("k8s", "base")));
        Assert.Contains(Example.Value, o => Kind(o) == "Namespace");
    }

    [Fact]
    public void Silos_are_at_least_three_roll_without_losing_one_and_know_their_pod()
    {
        var silo = Deployment("quotecluster-silo");
        Assert.True(silo["spec"]!["replicas"]!.GetValue<int>() >= 3);
        Assert.Equal(0, silo["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.GetValue<int>());

        var container = Container(silo);
        Assert.Equal("metadata.name", Env(container, "POD_NAME")!["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        Assert.Equal("status.podIP", Env(container, "POD_IP")!["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());

        var ports = container["ports"]!.AsArray().Select(p => p!["containerPort"]!.GetValue<int>()).ToList();
        var config = ConfigMap();
        Assert.Contains(int.Parse(config["ORLEANS_SILO_PORT"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), ports);
        Assert.Contains(int.Parse(config["ORLEANS_GATEWAY_PORT"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), ports);
        Assert.Contains(8080, ports);
    }

    [Theory]
    [InlineData("quotecluster-silo")]
    [InlineData("quotecluster-api")]
    public void Every_host_has_probes_on_the_health_endpoints_requests_a_non_root_user_and_outlasts_its_own_shutdown(string name)
    {
        var deployment = Deployment(name);
        var container = Container(deployment);
        Assert.Equal("/healthz", container["startupProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/readyz", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/healthz", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
        Assert.NotNull(container["resources"]!["requests"]!["memory"]);

        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());

        // The grace period must outlast the host's own bounded stop (shutdown timeout, then the forced exit).
        var grace = TimeSpan.FromSeconds(pod["terminationGracePeriodSeconds"]!.GetValue<int>());
        Assert.True(grace > QuoteClusterHostingExtensions.ShutdownTimeout + ShutdownDeadline.Margin,
            $"terminationGracePeriodSeconds {grace.TotalSeconds} does not outlast the shutdown timeout plus the forced-exit margin");

        // The variables come from the ConfigMap and the Secret the overlay generates (kustomize renames both).
        var sources = container["envFrom"]!.AsArray().Select(s => (s!["configMapRef"] ?? s["secretRef"])!["name"]!.GetValue<string>()).ToList();
        Assert.Contains(ConfigMapObject()["metadata"]!["name"]!.GetValue<string>(), sources);
        Assert.Contains(Single("Secret", "quotecluster-secrets")["metadata"]!["name"]!.GetValue<string>(), sources);
    }

    [Fact]
    public void A_disruption_budget_covers_the_silos()
    {
        var budget = Single("PodDisruptionBudget", "quotecluster-silo");
        var labels = Deployment("quotecluster-silo")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        foreach (var (key, value) in budget["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal(value!.GetValue<string>(), labels[key]!.GetValue<string>());
        }

        Assert.True(budget["spec"]!["maxUnavailable"]?.GetValue<int>() == 1 || budget["spec"]!["minAvailable"] is not null);
    }

    [Fact]
    public void The_api_is_served_by_a_service_an_ingress_and_an_autoscaler()
    {
        var service = Single("Service", "quotecluster-api");
        var ingress = Single("Ingress", "quotecluster-api");
        var autoscaler = Single("HorizontalPodAutoscaler", "quotecluster-api");
        Assert.Equal(service["metadata"]!["name"]!.GetValue<string>(),
            ingress["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!["name"]!.GetValue<string>());
        Assert.Equal("quotecluster-api", autoscaler["spec"]!["scaleTargetRef"]!["name"]!.GetValue<string>());
        Assert.Equal("Deployment", autoscaler["spec"]!["scaleTargetRef"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void The_configuration_is_production_mode_with_settings_the_system_accepts_and_no_rbac()
    {
        var config = ConfigMap();
        Assert.Equal("redis", config["CLUSTER_MODE"]!.GetValue<string>());

        // The rendered ConfigMap and Secret together must pass the system's own start-up validation.
        var settings = config.Select(p => KeyValuePair.Create(p.Key, p.Value!.GetValue<string>()))
            .Concat(SecretValues())
            .ToDictionary(p => p.Key, p => (string?)p.Value);
        var options = QuoteClusterSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        Assert.Equal(ClusterMode.Redis, options.ClusterMode);
        Assert.Equal(StorageMode.Firestore, options.StorageMode);

        // Membership lives in Redis, so the code needs no Kubernetes API access.
        Assert.DoesNotContain(Example.Value, o => Kind(o) is "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding");
    }

    [Fact]
    public void Every_pod_is_closed_to_ingress_unless_a_policy_lets_traffic_in()
    {
        var policies = Policies();
        Assert.Contains(policies, p => p["spec"]!["podSelector"]!.AsObject().Count == 0
            && p["spec"]!["policyTypes"]!.AsArray().Any(t => t!.GetValue<string>() == "Ingress")
            && p["spec"]!["ingress"] is null);
    }

    [Theory]
    [InlineData("quotecluster-silo", 11111)]
    [InlineData("quotecluster-silo", 30000)]
    [InlineData("quotecluster-redis", 6379)]
    public void Silo_gateway_and_redis_ports_take_traffic_from_silo_and_api_pods_only(string app, int port)
    {
        var peers = PeersAdmitted(app, port);
        Assert.NotEmpty(peers);
        Assert.All(peers, peer =>
        {
            Assert.Null(peer["namespaceSelector"]);
            Assert.Null(peer["ipBlock"]);
            var name = peer["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"]?.GetValue<string>();
            Assert.Contains(name, new[] { "quotecluster-silo", "quotecluster-api" });
        });
        Assert.Contains(peers, p => p["podSelector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>() == "quotecluster-api");
    }

    [Fact]
    public void The_api_takes_traffic_from_the_ingress_controller_and_the_scraper_only()
    {
        var namespaces = PeersAdmitted("quotecluster-api", 8080)
            .Select(p =>
            {
                Assert.Null(p["podSelector"]);
                Assert.Null(p["ipBlock"]);
                return p["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.GetValue<string>();
            })
            .Order();
        Assert.Equal(["ingress-nginx", "monitoring"], namespaces);
        Assert.Empty(PeersAdmitted("quotecluster-api", 30000));
    }

    [Fact]
    public void Redis_requires_the_password_from_the_secret_the_silos_and_the_api_read()
    {
        var redis = Container(Deployment("quotecluster-redis"));
        var args = redis["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal("$(REDIS_PASSWORD)", args[args.IndexOf("--requirepass") + 1]);
        var secret = Single("Secret", "quotecluster-secrets")["metadata"]!["name"]!.GetValue<string>();
        var reference = Env(redis, "REDIS_PASSWORD")!["valueFrom"]!["secretKeyRef"]!;
        Assert.Equal((secret, "REDIS_PASSWORD"), (reference["name"]!.GetValue<string>(), reference["key"]!.GetValue<string>()));

        // The silos and the Api take the whole Secret as variables, so they read the same password.
        var settings = ConfigMap().Select(p => KeyValuePair.Create(p.Key, (string?)p.Value!.GetValue<string>())).Concat(SecretValues().Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
        var options = QuoteClusterSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        Assert.False(string.IsNullOrEmpty(options.RedisPassword));
        Assert.Equal(SecretValues().Single(p => p.Key == "REDIS_PASSWORD").Value, options.RedisPassword);
    }

    [Theory]
    [InlineData("quotecluster-silo")]
    [InlineData("quotecluster-api")]
    public void The_tls_overlay_gives_silos_and_the_api_the_certificate_cert_manager_issues_for_both_ends(string name)
    {
        var rendered = Render(Path.Combine("k8s", "overlays", "example-tls"));
        var deployment = rendered.Single(o => Kind(o) == "Deployment" && o["metadata"]!["name"]!.GetValue<string>() == name);
        var container = Container(deployment);
        var mount = container["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "orleans-tls")!;
        var volume = deployment["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "orleans-tls")!;
        var secretName = volume["secret"]!["secretName"]!.GetValue<string>();
        foreach (var (variable, file) in new[] { ("ORLEANS_TLS_CERT_FILE", "tls.crt"), ("ORLEANS_TLS_KEY_FILE", "tls.key"), ("ORLEANS_TLS_CA_FILE", "ca.crt") })
        {
            Assert.Equal($"{mount["mountPath"]!.GetValue<string>()}/{file}", Env(container, variable)!["value"]!.GetValue<string>());
        }

        var certificate = rendered.Single(o => Kind(o) == "Certificate" && o["spec"]!["secretName"]!.GetValue<string>() == secretName);
        Assert.Equal(["client auth", "server auth"], certificate["spec"]!["usages"]!.AsArray().Select(u => u!.GetValue<string>()).Order());
    }

    /// <summary>The peers every policy selecting <paramref name="app"/>'s pods admits on <paramref name="port"/> (a rule without ports admits every port).</summary>
    private static List<JsonNode> PeersAdmitted(string app, int port) =>
        [.. Policies()
            .Where(p => p["spec"]!["podSelector"]!["matchLabels"]?["app.kubernetes.io/name"]?.GetValue<string>() == app)
            .SelectMany(p => p["spec"]!["ingress"]?.AsArray() ?? [])
            .Where(rule => rule!["ports"] is not JsonArray ports || ports.Any(q => q!["port"]!.GetValue<int>() == port))
            .SelectMany(rule => rule!["from"]?.AsArray() ?? [JsonNode.Parse("{\"anywhere\":true}")])
            .Select(peer => peer!)];

    private static List<JsonObject> Policies() => [.. Example.Value.Where(o => Kind(o) == "NetworkPolicy")];

    private static IEnumerable<KeyValuePair<string, string>> SecretValues() =>
        Single("Secret", "quotecluster-secrets")["data"]!.AsObject()
            .Select(p => KeyValuePair.Create(p.Key, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(p.Value!.GetValue<string>()))));

    private static JsonObject ConfigMapObject() => Single("ConfigMap", "quotecluster-config");

    private static JsonObject ConfigMap() => ConfigMapObject()["data"]!.AsObject();

    private static JsonObject Deployment(string name) => Single("Deployment", name);

    private static JsonObject Container(JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    private static JsonNode? Env(JsonObject container, string name) =>
        container["env"]!.AsArray().SingleOrDefault(e => e!["name"]!.GetValue<string>() == name);

    /// <summary>One object by kind and name; generated ConfigMaps and Secrets carry kustomize's hash suffix.</summary>
    private static JsonObject Single(string kind, string name) =>
        Example.Value.Single(o => Kind(o) == kind && o["metadata"]!["name"]!.GetValue<string>() is var n && (n == name || n.StartsWith(name + "-", StringComparison.Ordinal)));

    private static string? Kind(JsonObject o) => o["kind"]?.GetValue<string>();

    private static IReadOnlyList<JsonObject> Render(string folder)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", Path.Combine(RepositoryRoot.Path, folder)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"kubectl is not installed ({e.Message}): these tests render k8s/ with `kubectl kustomize`.", e);
        }

        using (process)
        {
            var yaml = process.StandardOutput.ReadToEnd();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"kubectl kustomize {folder} failed: {errors}");
            return ParseDocuments(yaml);
        }
    }

    /// <summary>YAML documents to JSON, so assertions read the objects as the API server would.</summary>
    private static List<JsonObject> ParseDocuments(string yaml)
    {
        var deserializer = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build();
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<JsonObject>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            var document = deserializer.Deserialize<object>(parser);
            if (document is not null) documents.Add(JsonNode.Parse(JsonSerializer.Serialize(WithStringKeys(document)))!.AsObject());
        }

        return documents;
    }

    private static object? WithStringKeys(object? node) => node switch
    {
        IDictionary<object, object?> map => map.ToDictionary(p => Convert.ToString(p.Key, System.Globalization.CultureInfo.InvariantCulture)!, p => WithStringKeys(p.Value)),
        IList<object?> list => list.Select(WithStringKeys).ToList(),
        _ => node,
    };
}
