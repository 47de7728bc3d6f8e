package ddpm4j.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Readable reasons for I/O failures, whose Java messages are sometimes only a path. */
public final class IoErrors {
    private IoErrors() {
    }

    /** What went wrong, with the file where Java names one: "permission denied: /x", "/x: Read-only file system". */
    public static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file: " + m;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + m;
        }
        return m == null ? e.getClass().getSimpleName() : m; // other FileSystemExceptions say "file: reason"
    }
}
