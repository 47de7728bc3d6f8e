package ddpm4j.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not what it claims to be: the message names the file and what is wrong. */
public class FormatException extends IOException {
    private final String problem;

    public FormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.problem = problem;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
