using System.Collections.Immutable;
using System.Net;
using QuoteCluster.Ingest;

namespace QuoteCluster.Tests.Ingest;

public class ShutdownAgreementTests
{
    private static readonly SiloAddress A = SiloAddress.New(IPAddress.Loopback, 11111, 1);
    private static readonly SiloAddress B = SiloAddress.New(IPAddress.Loopback, 11112, 1);
    private static readonly SiloAddress C = SiloAddress.New(IPAddress.Loopback, 11113, 1);

    private readonly IngestStateStore _state = new();
    private readonly Membership _membership = new();

    private ShutdownAgreement Agreement() => new(_state, _membership);

    [Fact]
    public async Task While_another_active_silo_has_not_announced_leaving_the_feed_has_somewhere_to_go()
    {
        _membership.Set((A, SiloStatus.Active), (B, SiloStatus.Active));
        var agreement = Agreement();

        await agreement.RecordLeavingAsync(A);
        Assert.True(agreement.AnySiloStaying(except: A));

        // All silos told to stop together still see one another as active: the announcements decide.
        await agreement.RecordLeavingAsync(B);
        Assert.False(agreement.AnySiloStaying(except: B));
        Assert.False(agreement.AnySiloStaying(except: null));
    }

    [Fact]
    public void Only_active_silos_count_as_staying_and_the_excepted_one_never_does()
    {
        _membership.Set((A, SiloStatus.Active), (B, SiloStatus.Joining), (C, SiloStatus.ShuttingDown));
        var agreement = Agreement();

        Assert.True(agreement.AnySiloStaying(except: null));
        Assert.False(agreement.AnySiloStaying(except: A));
    }

    [Fact]
    public async Task An_announcement_is_stored_once_however_often_it_is_made()
    {
        _membership.Set((A, SiloStatus.Active), (B, SiloStatus.Active));
        var agreement = Agreement();

        await agreement.RecordLeavingAsync(A);
        await agreement.RecordLeavingAsync(A);

        Assert.Equal([A.ToParsableString()], _state.State.LeavingSilos);
        Assert.Equal(1, _state.Writes);
    }

    [Fact]
    public void Announcements_of_silos_that_are_dead_or_unknown_are_forgotten_and_the_rest_kept()
    {
        _membership.Set((A, SiloStatus.Dead), (C, SiloStatus.ShuttingDown));
        _state.State.LeavingSilos = [A.ToParsableString(), B.ToParsableString(), C.ToParsableString()];

        Agreement().ForgetDepartedSilos();

        Assert.Equal([C.ToParsableString()], _state.State.LeavingSilos);
        Assert.Equal(0, _state.Writes);
    }

    [Fact]
    public void A_cluster_whose_every_silo_has_announced_leaving_has_nowhere_for_the_feed()
    {
        _membership.Set((A, SiloStatus.Active), (B, SiloStatus.Active));
        _state.State.LeavingSilos = [A.ToParsableString(), B.ToParsableString()];
        var agreement = Agreement();

        agreement.ForgetDepartedSilos();
        Assert.False(agreement.AnySiloStaying(except: null));
    }

    private sealed class IngestStateStore : IPersistentState<IngestState>
    {
        public IngestState State { get; set; } = new();

        public string? Etag => null;

        public bool RecordExists => Writes > 0;

        public int Writes { get; private set; }

        public Task WriteStateAsync()
        {
            Writes++;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync() => throw new NotSupportedException();

        public Task ReadStateAsync() => throw new NotSupportedException();
    }

    private sealed class Membership : IClusterMembershipService
    {
        private int _version;

        public ClusterMembershipSnapshot CurrentSnapshot { get; private set; } =
            new(ImmutableDictionary<SiloAddress, ClusterMember>.Empty, new MembershipVersion(0));

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public void Set(params (SiloAddress Silo, SiloStatus Status)[] members) =>
            CurrentSnapshot = new(
                members.ToImmutableDictionary(m => m.Silo, m => new ClusterMember(m.Silo, m.Status, m.Silo.ToString())),
                new MembershipVersion(++_version));

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> TryKill(SiloAddress siloAddress) => throw new NotSupportedException();
    }
}
