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

    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
