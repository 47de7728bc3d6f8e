package ddpm4j.dist;

import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.gloo.Device;

import java.util.function.Supplier;

/**
 * A run's ranks over libtorch's c10d: a {@code TCPStore} on rank 0 at MASTER_ADDR:MASTER_PORT for the
 * rendezvous, {@code ProcessGroupGloo} for the collectives (CPU tensors). Gloo binds to the interface that
 * {@code GLOO_SOCKET_IFNAME} names, as in PyTorch; otherwise to loopback when the master is on this machine's
 * loopback, else to the address this host's name resolves to.
 */
final class GlooGroup implements Group {
    private final ProcessGroupGloo pg;
    private final int rank;
    private final int size;
    private boolean closed;

    private GlooGroup(ProcessGroupGloo pg, int rank, int size) {
        this.pg = pg;
        this.rank = rank;
        this.size = size;
    }

    static GlooGroup join(DistEnv env) {
        Milliseconds timeout = new Milliseconds(env.timeout().toMillis());
        TCPStore store;
        try {
            TCPStoreOptions options = new TCPStoreOptions();
            options.port((short) env.masterPort());
            options.isServer(env.rank() == 0);
            options.numWorkers(new SizeTPointer(1).put(env.worldSize()));
            options.waitWorkers(true);
            options.timeout(timeout);
            options.useLibUV(false);
            store = new TCPStore(env.masterAddr(), options);
        } catch (RuntimeException e) {
            throw new PeerFailure("rank " + env.rank() + " of " + env.worldSize() + " could not meet the others at "
                    + env.masterAddr() + ":" + env.masterPort() + ": " + nativeMessage(e), e);
        }
        try {
            ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(timeout);
            options.devices(new GlooDeviceVector(device(env.masterAddr())));
            options.threads(2);
            ProcessGroupGloo pg = new ProcessGroupGloo(store, env.rank(), env.worldSize(), options);
            store.deallocate(false); // the process group owns the store now
            return new GlooGroup(pg, env.rank(), env.worldSize());
        } catch (RuntimeException e) {
            throw new PeerFailure("rank " + env.rank() + " of " + env.worldSize() + " could not connect to its peers: "
                    + nativeMessage(e), e);
        }
    }

    private static Device device(String master) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(ifname.trim());
        }
        boolean loopback = master.equals("localhost") || master.startsWith("127.") || master.equals("::1");
        return loopback ? ProcessGroupGloo.createDeviceForHostname("127.0.0.1") : ProcessGroupGloo.createDefaultDevice();
    }

    /** libtorch's message without the source location it starts with. */
    static String nativeMessage(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return m.replaceFirst("^\\[[^\\]]*\\]\\s*", "");
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allreduceSum(Tensor t) {
        run("allreduce", () -> pg.allreduce(new TensorVector(t)));
    }

    @Override
    public Tensor allgather(Tensor local) {
        Tensor c = local.contiguous();
        long[] shape = ddpm4j.torch.Tensors.shape(c);
        shape[0] *= size;
        Tensor out = c.new_empty(shape);
        run("allgather", () -> pg._allgather_base(out, c));
        return out;
    }

    @Override
    public void broadcast(Tensor t, int root) {
        BroadcastOptions options = new BroadcastOptions();
        options.rootRank(root);
        run("broadcast", () -> pg.broadcast(new TensorVector(t), options));
    }

    @Override
    public void barrier() {
        run("barrier", pg::barrier);
    }

    private void run(String what, Supplier<Work> op) {
        if (closed) {
            throw new IllegalStateException("the process group is closed");
        }
        try {
            op.get()._wait();
        } catch (RuntimeException e) {
            throw new PeerFailure(what + " failed on rank " + rank + " of " + size + ": " + nativeMessage(e)
                    + " (a peer stopped or did not answer in time)", e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pg.shutdown();
        }
    }
}
