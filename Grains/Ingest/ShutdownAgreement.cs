namespace QuoteCluster.Ingest;

/// <summary>
/// How the ingest grain tells one silo leaving from the whole cluster stopping. Silos announce their shutdown; while an
/// active silo stays that has not, the feed can move there, and once none is left the ingest stops for good.
/// </summary>
/// <remarks>
/// The announcements are grain state, not memory: during a whole-cluster stop the grain itself moves between the
/// silos still up, and each activation must still know who has already left.
/// </remarks>
internal sealed class ShutdownAgreement(IPersistentState<IngestState> state, IClusterMembershipService membership)
{
    private List<string> Leaving => state.State.LeavingSilos;

    /// <summary>Drops announcements from silos that are gone: they no longer matter, and a fresh deployment starts with none.</summary>
    public void ForgetDepartedSilos() =>
        Leaving.RemoveAll(s => membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(s)) is SiloStatus.Dead or SiloStatus.None);

    /// <summary>Records that <paramref name="leaving"/> is shutting down; an announcement made twice is stored once.</summary>
    public async Task RecordLeavingAsync(SiloAddress leaving)
    {
        var key = leaving.ToParsableString();
        if (!Leaving.Contains(key))
        {
            Leaving.Add(key);
            await state.WriteStateAsync();
        }
    }

    /// <summary>Whether an active silo other than <paramref name="except"/> has not announced its shutdown: somewhere the feed can move to.</summary>
    public bool AnySiloStaying(SiloAddress? except) =>
        membership.CurrentSnapshot.Members.Values.Any(m =>
            m.Status == SiloStatus.Active && !m.SiloAddress.Equals(except) && !Leaving.Contains(m.SiloAddress.ToParsableString()));
}
