package ddpm4j.dist;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where this process stands in a distributed run, read from the environment as {@code torchrun} sets it:
 * {@code RANK}, {@code LOCAL_RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}; plus
 * {@code DDPM4J_DIST_TIMEOUT} (seconds a collective may wait for the others, default 1800, PyTorch's).
 * Without {@code WORLD_SIZE} (or with 1) the process runs alone.
 */
public record DistEnv(int rank, int localRank, int worldSize, String masterAddr, int masterPort, Duration timeout) {
    public static final String RANK = "RANK";
    public static final String LOCAL_RANK = "LOCAL_RANK";
    public static final String WORLD_SIZE = "WORLD_SIZE";
    public static final String MASTER_ADDR = "MASTER_ADDR";
    public static final String MASTER_PORT = "MASTER_PORT";
    public static final String TIMEOUT = "DDPM4J_DIST_TIMEOUT";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    /** One process, no peers. */
    public static final DistEnv SINGLE = new DistEnv(0, 0, 1, "127.0.0.1", 0, DEFAULT_TIMEOUT);

    public DistEnv {
        if (worldSize < 1) {
            throw new IllegalArgumentException(WORLD_SIZE + " must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException(RANK + " must be in [0, " + worldSize + "), got " + rank);
        }
        if (localRank < 0) {
            throw new IllegalArgumentException(LOCAL_RANK + " must be at least 0, got " + localRank);
        }
        if (worldSize > 1 && (masterPort < 1 || masterPort > 65535)) {
            throw new IllegalArgumentException(MASTER_PORT + " must be a port in [1, 65535], got " + masterPort);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(TIMEOUT + " must be positive, got " + timeout.toSeconds() + " s");
        }
    }

    /** This process's place, from its environment. */
    public static DistEnv fromEnvironment() {
        return from(System.getenv());
    }

    /** The place described by {@code env} (the variables above). */
    public static DistEnv from(Map<String, String> env) {
        int world = integer(env, WORLD_SIZE, 1);
        Duration timeout = Duration.ofSeconds(integer(env, TIMEOUT, (int) DEFAULT_TIMEOUT.toSeconds()));
        if (world == 1) {
            return new DistEnv(0, 0, 1, SINGLE.masterAddr, 0, timeout);
        }
        for (String key : new String[] {RANK, MASTER_ADDR, MASTER_PORT}) {
            if (env.get(key) == null || env.get(key).isBlank()) {
                throw new IllegalArgumentException(WORLD_SIZE + " is " + world + " but " + key + " is not set");
            }
        }
        int rank = integer(env, RANK, 0);
        return new DistEnv(rank, integer(env, LOCAL_RANK, rank), world, env.get(MASTER_ADDR).trim(),
                integer(env, MASTER_PORT, 0), timeout);
    }

    private static int integer(Map<String, String> env, String key, int absent) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return absent;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    /** The variables that put a process at {@code rank} of this run (for a launcher). */
    public Map<String, String> environmentFor(int rank, int localRank) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(RANK, Integer.toString(rank));
        env.put(LOCAL_RANK, Integer.toString(localRank));
        env.put(WORLD_SIZE, Integer.toString(worldSize));
        env.put(MASTER_ADDR, masterAddr);
        env.put(MASTER_PORT, Integer.toString(masterPort));
        env.put(TIMEOUT, Long.toString(timeout.toSeconds()));
        return env;
    }
}
