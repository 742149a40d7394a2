package io.github.peft4j.core.io;

import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one write policy for every output a command writes ({@code --out}): a target is written only if it is absent
 * (or an empty directory), or is recognisably an earlier output of the same kind that peft4j wrote, or {@code --force}
 * is given; anything else is refused with OUTPUT_EXISTS and left untouched. Even with {@code --force}, a target that
 * is or contains the command's inputs (its run or model directory), the current directory, the home directory or
 * {@code /} is refused, and so is an existing target inside an input. A file output never replaces a directory.
 *
 * <p>Directory outputs carry a marker, {@value #MARKER}, naming their kind (and, for directories replaced as a whole,
 * the entries they wrote): that is how an earlier output is recognised. A directory replaced as a whole is recognised
 * only while it holds nothing but what peft4j wrote there, so replacing it never deletes a file a user added. File
 * outputs are recognised by a test the command gives (e.g. peft4j's metadata in a safetensors file).
 */
public final class OutputTarget {
    /** The marker file of a directory output. */
    public static final String MARKER = ".peft4j-output";
    private static final String MARKER_HEADER = "peft4j output: ";
    private static final long MARKER_LIMIT = 1 << 16;

    private final Path path;
    private final String kind;
    private final String description;
    private final Predicate<Path> earlierFileOutput;
    private final boolean writtenInPlace;
    private final Map<Path, String> inputs = new LinkedHashMap<>();
    private String option = "--out";
    private boolean force;
    private boolean forceOffered;

    private OutputTarget(Path path, String kind, String description, Predicate<Path> earlierFileOutput, boolean writtenInPlace) {
        this.path = path;
        this.kind = kind;
        this.description = description;
        this.earlierFileOutput = earlierFileOutput;
        this.writtenInPlace = writtenInPlace;
    }

    /**
     * A directory output of {@code kind} (e.g. {@code adapter}) that {@link #replaceDirectory} replaces as a whole,
     * described for messages as {@code description} (e.g. "an adapter directory written by 'peft4j export'").
     */
    public static OutputTarget directory(Path path, String kind, String description) {
        return new OutputTarget(path, kind, description, null, false);
    }

    /**
     * A directory output of {@code kind} that {@link #writeInto} writes file by file, keeping any other files in it
     * (a model directory, where users add tokenizer files).
     */
    public static OutputTarget directoryWrittenInPlace(Path path, String kind, String description) {
        return new OutputTarget(path, kind, description, null, true);
    }

    /** A file output; {@code earlierOutput} tells whether an existing file is an earlier output of the same kind. */
    public static OutputTarget file(Path path, String description, Predicate<Path> earlierOutput) {
        return new OutputTarget(path, null, description, earlierOutput, false);
    }

    /** The option that names the target, for messages. Default: {@code --out}. */
    public OutputTarget option(String name) {
        this.option = name;
        return this;
    }

    /** Whether {@code --force} was given; calling this also makes refusals mention {@code --force}. */
    public OutputTarget force(boolean given) {
        this.force = given;
        this.forceOffered = true;
        return this;
    }

    /** An input of the command (e.g. "the run directory it exports from"), never replaced, even with --force. */
    public OutputTarget protecting(String what, Path input) {
        if (input != null) {
            inputs.put(input, what);
        }
        return this;
    }

    /** Refuses the target now, before any work, if the policy does not allow writing it. */
    public OutputTarget check() {
        Path absolute = path.toAbsolutePath().normalize();
        refuseProtected(absolute);
        requireWritableParent(absolute);
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            return this;
        }
        if (kind == null && Files.isDirectory(absolute)) {
            throw refusal(path + " is a directory; " + option + " names a file, and peft4j never replaces a directory with one, not even with --force."
                    + " Choose a file path for " + option);
        }
        if (force || isEmptyDirectory(absolute)) {
            return this;
        }
        boolean earlierOutput = kind == null ? earlierFileOutput.test(absolute) : isEarlierDirectoryOutput(absolute);
        if (!earlierOutput) {
            throw refusal(path + " already exists" + (description == null ? "" : " and is not " + description)
                    + "; it was left untouched. Choose another " + option + (forceOffered ? ", or add --force to replace it" : ""));
        }
        return this;
    }

    /**
     * Replaces the target directory as a whole with what {@code writer} puts into the directory it is given
     * ({@link AtomicFiles#replaceDirectory}), then marks the result as this kind of output.
     */
    public void replaceDirectory(Consumer<Path> writer) {
        if (writtenInPlace) {
            throw new IllegalStateException(path + " is written in place");
        }
        check();
        AtomicFiles.replaceDirectory(path, partial -> {
            writer.accept(partial);
            writeMarker(partial, entries(partial));
        });
    }

    /**
     * Writes into the target directory in place (files written are replaced one by one, nothing else is touched):
     * the marker goes first, so that an earlier write cut short is still recognised as peft4j's.
     */
    public void writeInto(Consumer<Path> writer) {
        if (!writtenInPlace) {
            throw new IllegalStateException(path + " is replaced as a whole");
        }
        check();
        AtomicFiles.createDirectories(path);
        writeMarker(path, List.of());
        writer.accept(path);
    }

    /**
     * Creates {@code path}, named by {@code option}, for an output written into it piece by piece (a training run):
     * it must be absent or an empty directory, else OUTPUT_EXISTS. {@link NewDirectory#discard} removes what was
     * written into it since. Nothing that existed is ever removed, so the current directory may be given too.
     */
    public static NewDirectory createEmptyDirectory(Path path, String option) {
        requireWritableParent(path.toAbsolutePath());
        boolean existed = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        if (existed && !isEmptyDirectory(path)) {
            throw refusal(path + " already exists and is not an empty directory; it was left untouched. Choose a new or empty directory for " + option);
        }
        AtomicFiles.createDirectories(path);
        return new NewDirectory(path, !existed);
    }

    /** A directory that an invocation created (or found empty) and writes into. */
    public static final class NewDirectory {
        private final Path path;
        private final boolean created;

        private NewDirectory(Path path, boolean created) {
            this.path = path;
            this.created = created;
        }

        /**
         * Removes everything in the directory, and the directory itself if this invocation created it: what an
         * invocation that failed wrote, so that the same command can simply be run again. Best effort: a failure to
         * remove is not reported over the error that made the invocation fail.
         */
        public void discard() {
            try {
                if (created) {
                    AtomicFiles.deleteRecursively(path);
                }
                else {
                    for (Path entry : list(path)) {
                        AtomicFiles.deleteRecursively(entry);
                    }
                }
            }
            catch (IOException ignored) {
                // The error that failed the invocation is the one to report.
            }
        }
    }

    /** The target may not be or contain an input, the current directory, the home directory or /, nor replace something inside an input. */
    private void refuseProtected(Path absolute) {
        Path target = real(absolute);
        Map<Path, String> guarded = new LinkedHashMap<>(inputs);
        guarded.put(Path.of("").toAbsolutePath(), "the current directory");
        guarded.put(Path.of(System.getProperty("user.home")), "the home directory");
        boolean exists = Files.exists(absolute, LinkOption.NOFOLLOW_LINKS);
        for (Map.Entry<Path, String> entry : guarded.entrySet()) {
            Path protectedPath = real(entry.getKey().toAbsolutePath().normalize());
            String problem = null;
            if (protectedPath.startsWith(target)) {
                problem = protectedPath.equals(target) ? " is " + entry.getValue() : " contains " + entry.getValue() + " (" + entry.getKey() + ")";
            }
            else if (exists && inputs.containsKey(entry.getKey()) && target.startsWith(protectedPath)) {
                problem = " is inside " + entry.getValue() + " (" + entry.getKey() + ")";
            }
            if (problem != null) {
                throw new PeftException(StandardErrorCode.INVALID_ARGUMENT, option + " " + path + problem
                        + "; peft4j never replaces that, not even with --force. Choose another " + option);
            }
        }
    }

    /** The closest existing ancestor must be a writable directory, so that the failure comes before any work. */
    private static void requireWritableParent(Path absolute) {
        for (Path ancestor = absolute.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
            if (Files.exists(ancestor)) {
                if (!Files.isDirectory(ancestor)) {
                    throw IoErrors.writeFailed(absolute, new FileSystemException(ancestor.toString(), null, "not a directory"));
                }
                if (!Files.isWritable(ancestor)) {
                    throw IoErrors.writeFailed(absolute, new FileSystemException(ancestor.toString(), null, "not writable (no permission, or a read-only file system)"));
                }
                return;
            }
        }
    }

    private boolean isEarlierDirectoryOutput(Path directory) {
        Path marker = directory.resolve(MARKER);
        try {
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)
                    || Files.size(marker) > MARKER_LIMIT) {
                return false;
            }
            List<String> lines = Files.readAllLines(marker, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).equals(MARKER_HEADER + kind)) {
                return false;
            }
            if (writtenInPlace) {
                return true;
            }
            Set<String> written = Set.copyOf(lines.subList(1, lines.size()));
            return entries(directory).stream().allMatch(written::contains);
        }
        catch (IOException e) {
            return false;
        }
    }

    private void writeMarker(Path directory, List<String> written) {
        AtomicFiles.writeString(directory.resolve(MARKER), Stream.concat(Stream.of(MARKER_HEADER + kind), written.stream())
                .collect(Collectors.joining("\n", "", "\n")));
    }

    /** The names in {@code directory} other than the marker, sorted. */
    private static List<String> entries(Path directory) {
        try {
            return list(directory).stream().map(entry -> entry.getFileName().toString()).filter(name -> !name.equals(MARKER)).sorted().toList();
        }
        catch (IOException e) {
            throw IoErrors.writeFailed(directory, e);
        }
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.toList();
        }
    }

    /** Whether {@code path} is absent, or a directory with nothing in it: a target any command may write. */
    public static boolean isAbsentOrEmpty(Path path) {
        return !Files.exists(path, LinkOption.NOFOLLOW_LINKS) || isEmptyDirectory(path);
    }

    private static boolean isEmptyDirectory(Path path) {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        }
        catch (IOException e) {
            return false;
        }
    }

    /** {@code absolute} with symbolic links resolved as far as it exists, so that a link cannot smuggle in a protected path. */
    private static Path real(Path absolute) {
        try {
            if (Files.exists(absolute)) {
                return absolute.toRealPath();
            }
        }
        catch (IOException e) {
            return absolute;
        }
        Path parent = absolute.getParent();
        return parent == null ? absolute : real(parent).resolve(absolute.getFileName());
    }

    private static PeftException refusal(String message) {
        return new PeftException(StandardErrorCode.OUTPUT_EXISTS, message);
    }
}
