using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using QuoteCluster.Hosting;
using QuoteCluster.Tests.Support;

namespace QuoteCluster.Tests.Hosting;

/// <summary>
/// What native code frees stays in glibc's malloc arenas, resident, until it is trimmed: the process trims once just
/// after start-up and then every minute.
/// </summary>
public sealed class NativeHeapTrimTests
{
    private const int Chunks = 8192;
    private const int ChunkBytes = 4096;

    [Fact]
    public void Freed_native_memory_stays_resident_until_the_arenas_are_trimmed()
    {
        // As the JIT's working memory does: many small blocks, freed around a few still in use, so glibc cannot give
        // the space back by shrinking its arena from the top.
        Assert.True(GlibcMalloc.CanTrim, "the C library here is glibc, as in the images and on CI");
        var chunks = new nint[Chunks];
        var thread = new Thread(() =>
        {
            for (var i = 0; i < Chunks; i++)
            {
                chunks[i] = Marshal.AllocHGlobal(ChunkBytes);
                for (var offset = 0; offset < ChunkBytes; offset += 1024) Marshal.WriteByte(chunks[i], offset, 1);
            }
        });
        thread.Start();
        thread.Join();

        var mappings = MappingsHolding(chunks);
        var allocated = ResidentKb(mappings);
        for (var i = 0; i < Chunks; i++)
        {
            if (i % 16 != 0) Marshal.FreeHGlobal(chunks[i]);
        }

        var freed = ResidentKb(mappings);
        var gaveBack = GlibcMalloc.Trim();
        var trimmed = ResidentKb(mappings);
        for (var i = 0; i < Chunks; i += 16) Marshal.FreeHGlobal(chunks[i]);

        const long freedKb = Chunks / 16 * 15 * ChunkBytes / 1024;
        Assert.True(allocated - freed < freedKb / 4, $"freeing gave back {allocated - freed} KB of {freedKb} without a trim");
        Assert.True(gaveBack);
        Assert.True(freed - trimmed > freedKb / 2, $"the trim gave back {freed - trimmed} KB of the {freedKb} freed");
    }

    [Fact]
    public async Task The_process_trims_after_start_up_and_then_every_period()
    {
        var time = new FakeTimeProvider();
        var lifetime = new StartedLifetime();
        var trims = 0;
        using var service = new NativeHeapTrim(lifetime, time) { Trim = () => Interlocked.Increment(ref trims) > 0 };
        await service.StartAsync(CancellationToken.None);

        // Before the host has started, however long: the delay must not begin before the start-up collection.
        for (var i = 0; i < 20; i++)
        {
            time.Advance(NativeHeapTrim.Period);
            await Task.Delay(50);
            Assert.Equal(0, Volatile.Read(ref trims));
        }

        lifetime.Start();
        await Eventually.Until(() => { time.Advance(TimeSpan.FromMilliseconds(100)); return Volatile.Read(ref trims) == 1; },
            TimeSpan.FromSeconds(10), "the first trim");
        for (var period = 2; period <= 3; period++)
        {
            var expected = period;
            await Eventually.Until(() => { time.Advance(NativeHeapTrim.Period / 10); return Volatile.Read(ref trims) >= expected; },
                TimeSpan.FromSeconds(10), $"trim {period}");
            Assert.Equal(expected, Volatile.Read(ref trims));
        }

        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Every_QuoteCluster_process_trims()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("MARKET_FEED", "simulated")]);
        builder.AddQuoteClusterBasics("test");

        Assert.Contains(builder.Services, s => s.ServiceType == typeof(IHostedService) && s.ImplementationType == typeof(NativeHeapTrim));
    }

    /// <summary>The mappings of <c>/proc/self/smaps</c> that hold any of <paramref name="addresses"/>.</summary>
    private static List<(ulong Start, ulong End)> MappingsHolding(nint[] addresses) =>
        [.. Smaps().Select(m => (m.Start, m.End)).Where(m => addresses.Any(a => (ulong)a >= m.Start && (ulong)a < m.End))];

    /// <summary>Resident KB of <paramref name="mappings"/>, or of what they have been split into since.</summary>
    private static long ResidentKb(List<(ulong Start, ulong End)> mappings) =>
        Smaps().Where(m => mappings.Any(k => m.Start >= k.Start && m.End <= k.End)).Sum(m => m.RssKb);

    private static IEnumerable<(ulong Start, ulong End, long RssKb)> Smaps()
    {
        ulong start = 0, end = 0;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && Uri.IsHexDigit(line[0]) && line.IndexOf('-') is > 0 and var dash && line.IndexOf(' ') > dash)
            {
                start = ulong.Parse(line[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                end = ulong.Parse(line[(dash + 1)..line.IndexOf(' ')], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                yield return (start, end, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));
            }
        }
    }

    private sealed class StartedLifetime : IHostApplicationLifetime
    {
        // Cancelled, never disposed: a token handed out must stay usable for the test's length.
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Start() => _started.Cancel();

        public void StopApplication()
        {
        }
    }
}
