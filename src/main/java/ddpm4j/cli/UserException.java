package ddpm4j.cli;

/** Bad input or usage: reported as one line on stderr with exit code 2. */
public class UserException extends RuntimeException {
    public UserException(String message) {
        super(message);
    }
}
