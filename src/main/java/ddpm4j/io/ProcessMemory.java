package ddpm4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/** This process's memory as the kernel reports it (Linux {@code /proc/self/status}); empty elsewhere. */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** Resident set size now, in MiB. */
    public static OptionalDouble residentMb() {
        return field("VmRSS:");
    }

    /** Highest resident set size so far, in MiB. */
    public static OptionalDouble peakResidentMb() {
        return field("VmHWM:");
    }

    /** Java heap in use now (allocated minus free), in MiB. */
    public static double heapUsedMb() {
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / (1024.0 * 1024.0);
    }

    /** Java heap the JVM holds from the system now (used or not), in MiB: part of the resident set. */
    public static double heapCommittedMb() {
        return Runtime.getRuntime().totalMemory() / (1024.0 * 1024.0);
    }

    private static OptionalDouble field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return OptionalDouble.of(Long.parseLong(parts[0]) / 1024.0); // the kernel reports kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.empty();
    }
}
