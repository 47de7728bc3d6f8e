package ddpm4j.dist;

/** A collective that could not complete: a peer stopped, or did not answer within the timeout. */
public final class PeerFailure extends IllegalStateException {
    PeerFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
