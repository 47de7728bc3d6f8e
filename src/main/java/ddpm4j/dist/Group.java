package ddpm4j.dist;

import org.bytedeco.pytorch.Tensor;

/**
 * The processes of one run and the collectives between them. Every rank calls the same collectives in
 * the same order; a peer that stops makes the waiting ones fail with a {@link PeerFailure}.
 */
public interface Group extends AutoCloseable {
    int rank();

    int size();

    /** Rank 0, the one that writes files. */
    default boolean isMain() {
        return rank() == 0;
    }

    /** Replaces {@code t} (a contiguous CPU tensor) on every rank by the sum of every rank's {@code t}. */
    void allreduceSum(Tensor t);

    /** Every rank's {@code local} (same shape everywhere), stacked along dimension 0 in rank order. */
    Tensor allgather(Tensor local);

    /** Replaces {@code t} on every rank by rank {@code root}'s. */
    void broadcast(Tensor t, int root);

    /** Rank {@code root}'s {@code value}, on every rank. */
    default long broadcastValue(long value, int root) {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            Tensor t = ddpm4j.torch.Tensors.fromLongs(new long[] {value}, 1);
            broadcast(t, root);
            return t.item_long();
        }
    }

    /** Returns when every rank has called it. */
    void barrier();

    @Override
    void close();

    /** The group of one process: every collective is the identity. */
    static Group single() {
        return SingleGroup.INSTANCE;
    }

    /** Joins the run {@code env} describes (the group of one process when it is not distributed), over Gloo. */
    static Group join(DistEnv env) {
        return join(env, ddpm4j.torch.Device.CPU);
    }

    /** As above, over NCCL when the ranks compute on {@code device}, a CUDA device (the GPU build). */
    static Group join(DistEnv env, ddpm4j.torch.Device device) {
        return env.distributed() ? C10dGroup.join(env, device) : single();
    }
}
