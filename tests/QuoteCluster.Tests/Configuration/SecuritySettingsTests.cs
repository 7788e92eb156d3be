using Microsoft.AspNetCore.Builder;
using QuoteCluster.Configuration;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Configuration;

/// <summary>The settings of who may do what and of a closed cluster: read, checked, and refused with one line.</summary>
public sealed class SecuritySettingsTests
{
    [Theory]
    [InlineData("acme/other")]
    [InlineData("..")]
    [InlineData("acme corp")]
    [InlineData("acme?x=1")]
    [InlineData("__name__")]
    public void A_tenant_that_could_reach_another_document_path_stops_start_up_with_one_line(string tenant)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("TENANT_ID", tenant)));
        Assert.Contains($"TENANT_ID='{tenant}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("FIRESTORE_TENANT_ID='a/b'", Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(("FIRESTORE_TENANT_ID", "a/b"))).Message);
    }

    [Fact]
    public async Task A_host_given_a_tenant_with_a_slash_exits_with_code_2_and_one_line()
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            var exitCode = await QuoteClusterProgram.RunAsync(() =>
            {
                var builder = QuoteClusterProgram.CreateBuilder(["--TENANT_ID=acme/../globex"]);
                builder.AddQuoteClusterSilo();
                return builder.Build();
            });
            Assert.Equal(2, exitCode);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Contains("TENANT_ID='acme/../globex'", Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("JWT_ISSUER and JWT_AUDIENCE are not both set", "JWT_ISSUER", "https://id.example", "JWT_SIGNING_KEY", "an-hs256-secret-shared-with-the-issuer!", "TENANT_ID", "acme")]
    [InlineData("one source of keys", "JWT_ISSUER", "https://id.example", "JWT_AUDIENCE", "q", "TENANT_ID", "acme")]
    [InlineData("one source of keys", "JWT_ISSUER", "https://id.example", "JWT_AUDIENCE", "q", "JWT_SIGNING_KEY", "an-hs256-secret-shared-with-the-issuer!", "JWT_JWKS_URL", "https://id.example/jwks", "TENANT_ID", "acme")]
    [InlineData("JWT_SIGNING_KEY is too short", "JWT_ISSUER", "https://id.example", "JWT_AUDIENCE", "q", "JWT_SIGNING_KEY", "short", "TENANT_ID", "acme")]
    [InlineData("JWT_JWKS_URL='http://id.example/jwks'", "JWT_ISSUER", "https://id.example", "JWT_AUDIENCE", "q", "JWT_JWKS_URL", "http://id.example/jwks", "TENANT_ID", "acme")]
    [InlineData("TENANT_ID is not set", "FIREBASE_AUTH_PROJECT_ID", "acme-auth")]
    [InlineData("the Firebase preset sets", "FIREBASE_AUTH_PROJECT_ID", "acme-auth", "JWT_ISSUER", "https://id.example", "TENANT_ID", "acme")]
    [InlineData("FIREBASE_AUTH_PROJECT_ID='Acme/Auth'", "FIREBASE_AUTH_PROJECT_ID", "Acme/Auth", "TENANT_ID", "acme")]
    [InlineData("API_READ_TOKENS contains API_TOKEN", "API_TOKEN", "same-token", "API_READ_TOKENS", "other,same-token")]
    [InlineData("STREAM_TICKET_KEY is too short", "STREAM_TICKET_KEY", "short")]
    [InlineData("TRUSTED_PROXIES='10.0.0.0/8,ingress'", "TRUSTED_PROXIES", "10.0.0.0/8,ingress")]
    [InlineData("not all set", "ORLEANS_TLS_CERT_FILE", "/etc/hostname")]
    [InlineData("ORLEANS_TLS_KEY_FILE='/no/such/key.pem'", "ORLEANS_TLS_CERT_FILE", "/etc/hostname", "ORLEANS_TLS_KEY_FILE", "/no/such/key.pem", "ORLEANS_TLS_CA_FILE", "/etc/hostname")]
    public void A_bad_security_setting_stops_start_up_with_one_line_saying_what_to_set(string says, params string[] pairs)
    {
        var settings = pairs.Chunk(2).Select(p => (p[0], p[1])).ToArray();
        var error = Assert.Throws<InvalidConfigurationException>(() => QuoteClusterTestCluster.Options(settings));
        Assert.Contains(says, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("an-hs256-secret", error.Message);
    }

    [Fact]
    public void The_firebase_preset_fills_in_issuer_audience_and_googles_keys_which_JWT_JWKS_URL_may_move()
    {
        var jwt = QuoteClusterTestCluster.Options(("FIREBASE_AUTH_PROJECT_ID", "acme-auth"), ("TENANT_ID", "acme")).Jwt!;
        Assert.Equal("https://securetoken.google.com/acme-auth", jwt.Issuer);
        Assert.Equal("acme-auth", jwt.Audience);
        Assert.Equal(JwtSettings.FirebaseJwksUrl, jwt.JwksUrl);
        Assert.Null(jwt.SigningKey);
        Assert.Equal("role", jwt.RoleClaim);

        var local = QuoteClusterTestCluster.Options(("FIREBASE_AUTH_PROJECT_ID", "acme-auth"), ("TENANT_ID", "acme"), ("JWT_JWKS_URL", "http://127.0.0.1:9/jwks"), ("JWT_ROLE_CLAIM", "admin")).Jwt!;
        Assert.Equal(new Uri("http://127.0.0.1:9/jwks"), local.JwksUrl);
        Assert.Equal("admin", local.RoleClaim);
    }

    [Fact]
    public void Without_jwt_settings_the_gateway_takes_static_tokens_only_and_the_firestore_project_does_not_turn_jwts_on()
    {
        var options = QuoteClusterTestCluster.Options(("FIREBASE_PROJECT_ID", "acme-quotes"), ("DRY_RUN", "1"), ("API_READ_TOKENS", " r1 , r2,r1 "));
        Assert.Null(options.Jwt);
        Assert.Equal(["r1", "r2"], options.ApiReadTokens);
    }

    [Fact]
    public void Proxies_redis_password_and_tls_files_are_read()
    {
        var file = Path.GetTempFileName();
        try
        {
            var options = QuoteClusterTestCluster.Options(("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"), ("REDIS_PASSWORD", "s3cret"),
                ("ORLEANS_TLS_CERT_FILE", file), ("ORLEANS_TLS_KEY_FILE", file), ("ORLEANS_TLS_CA_FILE", file));
            Assert.Equal([System.Net.IPNetwork.Parse("10.0.0.0/8"), System.Net.IPNetwork.Parse("192.0.2.1/32")], options.TrustedProxies);
            Assert.Equal("s3cret", options.RedisPassword);
            Assert.Equal(new OrleansTlsSettings(file, file, file), options.OrleansTls);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
