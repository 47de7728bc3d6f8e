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

    /** The first line of a message (a native error's text can carry a backtrace): what an error body shows. */
    static String firstLine(Object message) {
        String s = String.valueOf(message);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
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
