package ddpm4j.dist;

import ddpm4j.torch.Device;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;

import java.util.function.Supplier;

/**
 * A run's ranks over libtorch's c10d: a {@code TCPStore} on rank 0 at MASTER_ADDR:MASTER_PORT for the
 * rendezvous, then {@code ProcessGroupGloo} for CPU tensors or {@code ProcessGroupNCCL} for a CUDA device
 * (the GPU build only). Tensors handed to the collectives may live anywhere: they are copied to the
 * backend's device and back when they are not there.
 *
 * <p>Gloo binds to the interface that {@code GLOO_SOCKET_IFNAME} names, as in PyTorch; otherwise to
 * loopback when the master is on this machine's loopback, else to the address this host's name resolves to.
 */
final class C10dGroup implements Group {
    private final Backend backend;
    private final Device device;
    private final int rank;
    private final int size;
    private boolean closed;

    private C10dGroup(Backend backend, Device device, int rank, int size) {
        this.backend = backend;
        this.device = device;
        this.rank = rank;
        this.size = size;
    }

    /** Joins the run: Gloo on the CPU, NCCL when {@code device} is a CUDA device. */
    static C10dGroup join(DistEnv env, Device device) {
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
            Backend backend = device.isCuda() ? nccl(store, env, timeout) : gloo(store, env, timeout);
            store.deallocate(false); // the process group owns the store now
            return new C10dGroup(backend, device.isCuda() ? device : Device.CPU, env.rank(), env.worldSize());
        } catch (RuntimeException e) {
            throw new PeerFailure("rank " + env.rank() + " of " + env.worldSize() + " could not connect to its peers: "
                    + nativeMessage(e), e);
        }
    }

    private static Backend gloo(TCPStore store, DistEnv env, Milliseconds timeout) {
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(timeout);
        options.devices(new GlooDeviceVector(glooDevice(env.masterAddr())));
        options.threads(2);
        return new ProcessGroupGloo(store, env.rank(), env.worldSize(), options);
    }

    /** Not run here (no GPU): built against the presets' NCCL classes, whose natives only the GPU build has. */
    private static Backend nccl(TCPStore store, DistEnv env, Milliseconds timeout) {
        ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create();
        options.timeout(timeout);
        return new ProcessGroupNCCL(store, env.rank(), env.worldSize(), options);
    }

    private static org.bytedeco.pytorch.gloo.Device glooDevice(String master) {
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
        Tensor here = device.put(t);
        run("allreduce", () -> backend.allreduce(new TensorVector(here)));
        if (here != t) {
            t.copy_(here);
        }
    }

    @Override
    public Tensor allgather(Tensor local) {
        Tensor c = device.put(local).contiguous();
        long[] shape = ddpm4j.torch.Tensors.shape(c);
        shape[0] *= size;
        Tensor out = c.new_empty(shape);
        run("allgather", () -> backend._allgather_base(out, c));
        return Device.of(local).put(out);
    }

    @Override
    public void broadcast(Tensor t, int root) {
        Tensor here = device.put(t);
        BroadcastOptions options = new BroadcastOptions();
        options.rootRank(root);
        run("broadcast", () -> backend.broadcast(new TensorVector(here), options));
        if (here != t) {
            t.copy_(here);
        }
    }

    @Override
    public void barrier() {
        run("barrier", backend::barrier);
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
            backend.shutdown();
        }
    }
}
