using System.Runtime.InteropServices;

namespace QuoteCluster.Hosting;

/// <summary>glibc's <c>malloc_trim</c>, where the process runs on glibc: null elsewhere (musl, macOS, Windows).</summary>
/// <remarks>
/// No package exposes it. It is looked up rather than imported, so a process on another C library starts and runs the
/// same, only without the trim.
/// </remarks>
internal static class GlibcMalloc
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallocTrimFunction(nuint pad);

    private static readonly MallocTrimFunction? MallocTrim = Find();

    public static bool CanTrim => MallocTrim is not null;

    /// <summary>Gives the free memory of every malloc arena back to the OS.</summary>
    /// <returns>Whether any memory was given back; false where glibc is not the C library.</returns>
    public static bool Trim() => MallocTrim?.Invoke(0) == 1;

    private static MallocTrimFunction? Find() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim)
            ? Marshal.GetDelegateForFunctionPointer<MallocTrimFunction>(trim)
            : null;
}
