package ddpm4j.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A file that is not what it claims to be: the message names the file and what is wrong. */
public class FormatException extends IOException {
    private final String problem;

    public FormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.problem = problem;
    }

    /** Refuses a directory where a file is to be read (Java's own error would be an unnamed "Is a directory"). */
    public static void requireFile(Path file) throws FormatException {
        if (java.nio.file.Files.isDirectory(file)) {
            throw new FormatException(file, "is a directory, not a file");
        }
    }

    /**
     * What to throw when reading a zip container failed: a missing or unreadable file, or a
     * FormatException already raised, as it is; anything else (a ZipException, an EOF inside an
     * entry, a bad entry name) means a broken container, "{@code what}: cause".
     */
    public static IOException ofZip(Path file, String what, Exception e) {
        if (e instanceof FormatException || e instanceof NoSuchFileException || e instanceof AccessDeniedException) {
            return (IOException) e;
        }
        return new FormatException(file, what + ": " + e);
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
