package io.github.peft4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process, from Linux's {@code /proc/self/status}; -1 where that file does not exist. */
record ProcessMemory(long residentBytes, long peakResidentBytes) {
    static ProcessMemory now() {
        long rss = -1;
        long peak = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kilobytes(line);
                }
                else if (line.startsWith("VmHWM:")) {
                    peak = kilobytes(line);
                }
            }
        }
        catch (IOException e) {
            return new ProcessMemory(-1, -1);
        }
        return new ProcessMemory(rss, peak);
    }

    /**
     * Restarts the peak ({@code VmHWM}) from the current resident set, so that the next peak belongs to what runs
     * from now on (Linux's {@code /proc/self/clear_refs}).
     *
     * @return whether the peak was reset; if not, later peaks include everything before
     */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
