using QuoteCluster.Hosting;
using QuoteCluster.SmokeCheck;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Firestore;

[Collection(FirestoreEmulatorCollection.Name)]
public class SmokeCheckTests(FirestoreEmulator emulator)
{
    private static string[] Args(params string[] settings) =>
    [
        "--STOP_AFTER_SECONDS=3", $"--ORLEANS_SILO_PORT={LoopbackPort.Free()}", $"--ORLEANS_GATEWAY_PORT={LoopbackPort.Free()}", "--ORLEANS_DASHBOARD=0",
        "--Logging:LogLevel:Default=Warning", .. settings,
    ];

    [Fact]
    public async Task A_dry_run_passes_when_a_would_be_write_was_logged()
    {
        var output = new StringWriter();
        Assert.Equal(0, await SmokeCheckRun.RunAsync(Args("--DRY_RUN=1"), output));
        Assert.StartsWith("PASS", output.ToString());
    }

    [Fact]
    public async Task A_run_against_firestore_passes_when_a_write_succeeded()
    {
        var output = new StringWriter();
        Assert.Equal(0, await SmokeCheckRun.RunAsync(Args($"--FIRESTORE_EMULATOR_HOST={emulator.Host}", "--TENANT_ID=smoke"), output));
        Assert.StartsWith("PASS", output.ToString());
    }

    [Fact]
    public async Task A_run_whose_writes_all_fail_says_fail_and_why()
    {
        var output = new StringWriter();
        Assert.Equal(1, await SmokeCheckRun.RunAsync(Args("--FIRESTORE_EMULATOR_HOST=127.0.0.1:9", "--TENANT_ID=smoke"), output));
        Assert.StartsWith("FAIL: no write succeeded", output.ToString());
    }

    [Fact]
    public async Task Missing_tenant_with_firestore_enabled_fails_with_a_clear_message()
    {
        var output = new StringWriter();
        Assert.Equal(1, await SmokeCheckRun.RunAsync(Args($"--FIRESTORE_EMULATOR_HOST={emulator.Host}"), output));
        Assert.Contains("TENANT_ID is not set", output.ToString());
    }
}
