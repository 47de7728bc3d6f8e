package ddpm4j.serve;

import java.time.Duration;

/**
 * What one server accepts.
 *
 * @param maxImages      images one request may ask for
 * @param maxPasses      network passes one image of a request may take (steps, Heun's two per step, RePaint's jumps)
 * @param maxBodyBytes   the largest request body (uploads included)
 * @param queueLimit     requests waiting or running per model; past it a request gets 503 with Retry-After
 * @param batchImages    images sampled together in one network call; a larger request runs in batches of this size
 * @param timeout        how long a request may wait and run before it gets 504
 */
public record ServeLimits(int maxImages, int maxPasses, int maxBodyBytes, int queueLimit, int batchImages, Duration timeout) {
    /** The defaults of {@code ddpm4j serve}. */
    public static final ServeLimits DEFAULT = new ServeLimits(64, 10_000, 8 << 20, 32, 16, Duration.ofMinutes(5));

    public ServeLimits {
        if (maxImages < 1 || maxPasses < 1 || maxBodyBytes < 1 || queueLimit < 1 || batchImages < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("every limit must be positive");
        }
    }

    public ServeLimits withQueueLimit(int requests) {
        return new ServeLimits(maxImages, maxPasses, maxBodyBytes, requests, batchImages, timeout);
    }

    public ServeLimits withBatchImages(int images) {
        return new ServeLimits(maxImages, maxPasses, maxBodyBytes, queueLimit, images, timeout);
    }

    public ServeLimits withTimeout(Duration t) {
        return new ServeLimits(maxImages, maxPasses, maxBodyBytes, queueLimit, batchImages, t);
    }
}
