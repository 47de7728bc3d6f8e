package ddpm4j.serve;

/** A request the server refuses or cannot finish: an HTTP status, the request field at fault (or null) and a one-line reason. */
public final class ServeError extends RuntimeException {
    private final int status;
    private final String field;

    public ServeError(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    /** A 400 naming {@code field}. */
    static ServeError bad(String field, String message) {
        return new ServeError(400, field, field == null ? message : field + ": " + message);
    }

    public int status() {
        return status;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
