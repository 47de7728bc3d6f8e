package ddpm4j.dist;

/**
 * How work indexed 0..n−1 is split across ranks: contiguous rows of a batch, and whole batches of a
 * long job, so that each rank computes exactly the batches a single process would.
 */
public final class Shards {
    private Shards() {
    }

    /** First row of {@code rank}'s share of {@code n} rows split as evenly as possible; rank {@code size} gives n. */
    public static int rowStart(int n, int rank, int size) {
        return (int) ((long) n * rank / size);
    }

    /** How many of {@code n} rows rank {@code rank} takes. */
    public static int rowCount(int n, int rank, int size) {
        return rowStart(n, rank + 1, size) - rowStart(n, rank, size);
    }

    /** Whether batch {@code index} of a long job (batches dealt round-robin) is {@code rank}'s. */
    public static boolean ownsBatch(long index, int rank, int size) {
        return index % size == rank;
    }
}
