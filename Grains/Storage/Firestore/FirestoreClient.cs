using System.Net;
using Google.Apis.Auth.OAuth2;
using Grpc.Core;
using Grpc.Net.Client;
using QuoteCluster.Configuration;
using QuoteCluster.Storage.Firestore.Wire;

namespace QuoteCluster.Storage.Firestore;

/// <summary>A small Firestore client over gRPC: commits and batch reads against one database.</summary>
/// <remarks>
/// Production uses TLS with Application Default Credentials (the datastore scope); FIRESTORE_EMULATOR_HOST switches to
/// h2c with the `Bearer owner` token the emulator expects, sent as metadata because call credentials are refused on
/// an insecure channel.
/// </remarks>
public sealed class FirestoreClient : IDisposable
{
    public const string EmulatorProject = "demo-quotes";

    /// <summary>Firestore's limit on writes in one commit.</summary>
    public const int MaxWritesPerCommit = 500;
    private const string ProductionEndpoint = "https://firestore.googleapis.com";
    private const string DatastoreScope = "https://www.googleapis.com/auth/datastore";

    private readonly GrpcChannel _channel;
    private readonly Wire.Firestore.FirestoreClient _grpc;
    private readonly Metadata _headers;

    private FirestoreClient(GrpcChannel channel, string project, string? bearer)
    {
        _channel = channel;
        _grpc = new Wire.Firestore.FirestoreClient(channel);
        Database = DatabaseName(project);
        _headers = new Metadata
        {
            { "google-cloud-resource-prefix", Database },
            { "x-goog-request-params", "database=" + WebUtility.UrlEncode(Database) },
        };
        if (bearer is not null) _headers.Add("authorization", "Bearer " + bearer);
    }

    /// <summary>`projects/{project}/databases/(default)`: with the parentheses, or the write lands in another database.</summary>
    public string Database { get; }

    public static string DatabaseName(string project) => $"projects/{project}/databases/(default)";

    public string DocumentName(string path) => $"{Database}/documents/{path}";

    public static FirestoreClient Create(QuoteClusterOptions options)
    {
        if (options.FirestoreEmulatorHost is { } host)
        {
            return new FirestoreClient(GrpcChannel.ForAddress($"http://{host}"), options.FirestoreProjectId ?? EmulatorProject, bearer: "owner");
        }

        GoogleCredential credential;
        try
        {
            credential = GoogleCredential.GetApplicationDefault().CreateScoped(DatastoreScope);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidConfigurationException(
                $"No Google credentials for Firestore ({e.Message.Split('\n')[0]}): set GOOGLE_APPLICATION_CREDENTIALS, use Workload Identity, or set DRY_RUN=1.");
        }

        var project = options.FirestoreProjectId ?? (credential.UnderlyingCredential as ServiceAccountCredential)?.ProjectId
            ?? throw new InvalidConfigurationException("FIRESTORE_PROJECT_ID is not set and the credentials name no project: set FIRESTORE_PROJECT_ID (or FIREBASE_PROJECT_ID).");
        var token = (ITokenAccess)credential;
        var callCredentials = CallCredentials.FromInterceptor(async (context, metadata) =>
            metadata.Add("authorization", "Bearer " + await token.GetAccessTokenForRequestAsync(cancellationToken: context.CancellationToken)));
        var channel = GrpcChannel.ForAddress(ProductionEndpoint, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(new SslCredentials(), callCredentials),
        });
        return new FirestoreClient(channel, project, bearer: null);
    }

    public async Task<CommitResponse> CommitAsync(IEnumerable<Write> writes, CancellationToken cancellationToken)
    {
        var request = new CommitRequest { Database = Database };
        request.Writes.AddRange(writes);
        return await _grpc.CommitAsync(request, _headers, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
    }

    /// <summary>Reads documents by full name; a missing one maps to null.</summary>
    public async Task<IReadOnlyDictionary<string, Document?>> GetAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var request = new BatchGetDocumentsRequest { Database = Database };
        request.Documents.AddRange(names);
        var found = new Dictionary<string, Document?>(StringComparer.Ordinal);
        using var call = _grpc.BatchGetDocuments(request, _headers, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (response.ResultCase == BatchGetDocumentsResponse.ResultOneofCase.Found) found[response.Found.Name] = response.Found;
            else found[response.Missing] = null;
        }

        return found;
    }

    public void Dispose() => _channel.Dispose();
}
