package ddpm4j.dist;

import org.bytedeco.pytorch.Tensor;

/** One process alone. */
final class SingleGroup implements Group {
    static final SingleGroup INSTANCE = new SingleGroup();

    private SingleGroup() {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allreduceSum(Tensor t) {
    }

    @Override
    public Tensor allgather(Tensor local) {
        return local.clone();
    }

    @Override
    public void broadcast(Tensor t, int root) {
    }

    @Override
    public void barrier() {
    }

    @Override
    public void close() {
    }
}
