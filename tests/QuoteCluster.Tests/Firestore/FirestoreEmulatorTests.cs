using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Firestore;

public class FirestoreEmulatorTests
{
    [Fact]
    public async Task A_missing_emulator_jar_fails_with_a_message_that_says_so()
    {
        var emulator = new FirestoreEmulator("/nonexistent/cloud-firestore-emulator.jar");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(emulator.StartAsync);
        Assert.Contains("Firestore emulator jar is missing at /nonexistent/cloud-firestore-emulator.jar", error.Message);
    }
}
