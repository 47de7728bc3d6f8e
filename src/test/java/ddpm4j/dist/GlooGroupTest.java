package ddpm4j.dist;

import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two ranks of a Gloo group on 127.0.0.1, as two threads of this JVM, against what the collectives mean. */
class GlooGroupTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    /** Runs {@code body} as ranks 0 and 1 and returns their results in rank order. */
    private static <T> List<T> twoRanks(Function<Group, T> body) throws Exception {
        return twoRanks(Duration.ofSeconds(30), body);
    }

    private static <T> List<T> twoRanks(Duration timeout, Function<Group, T> body) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                DistEnv env = new DistEnv(r, r, 2, "127.0.0.1", port, timeout);
                futures.add(pool.submit((Callable<T>) () -> {
                    try (Group g = Group.join(env); PointerScope scope = new PointerScope()) {
                        return body.apply(g);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void collectivesCombineTheRanksValues() throws Exception {
        List<float[]> results = twoRanks(g -> {
            Tensor sum = Tensors.fromFloats(new float[] {g.rank() + 1, 10 * (g.rank() + 1)}, 2);
            g.allreduceSum(sum);
            Tensor gathered = g.allgather(Tensors.fromFloats(new float[] {g.rank(), -g.rank()}, 1, 2));
            Tensor b = Tensors.fromFloats(new float[] {g.rank() + 7}, 1);
            g.broadcast(b, 1);
            long v = g.broadcastValue(100 + g.rank(), 0);
            g.barrier();
            float[] s = Tensors.toFloats(sum);
            float[] a = Tensors.toFloats(gathered);
            assertArrayEquals(new long[] {2, 2}, Tensors.shape(gathered));
            return new float[] {s[0], s[1], a[0], a[1], a[2], a[3], Tensors.toFloats(b)[0], v};
        });
        for (float[] r : results) {
            assertArrayEquals(new float[] {3, 30, 0, 0, 1, -1, 8, 100}, r);
        }
    }

    @Test
    void shardedBatchesGatherWhatOneProcessComputes() throws Exception {
        ShardedBatches.Work work = (first, b) -> {
            float[] v = new float[b * 3];
            for (int i = 0; i < v.length; i++) {
                v[i] = first * 3 + i + 0.5f;
            }
            return v;
        };
        float[] alone = ShardedBatches.run(Group.single(), 11, 4, 3, work);
        double[] aloneD = ShardedBatches.runDoubles(Group.single(), 11, 4, 3, (f, b) -> toDoubles(work.run(f, b), 1e-300));
        List<Object[]> results = twoRanks(g -> new Object[] {ShardedBatches.run(g, 11, 4, 3, (first, b) -> {
            assertEquals(g.rank(), (first / 4) % 2, "batch of image " + first + " computed on rank " + g.rank());
            return work.run(first, b);
        }), ShardedBatches.runDoubles(g, 11, 4, 3, (f, b) -> toDoubles(work.run(f, b), 1e-300))});
        for (Object[] r : results) {
            assertArrayEquals(alone, (float[]) r[0]);
            assertArrayEquals(aloneD, (double[]) r[1]);
        }
        assertEquals(33 * 32 / 2 + 33 * 0.5, sum(alone), 1e-3); // every image's values, 0.5 .. 32.5, once
    }

    private static double[] toDoubles(float[] v, double tiny) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] + tiny; // a value no float holds: gathered exactly or not at all
        }
        return out;
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }

    @Test
    void gradientsAreSummedAcrossRanks() throws Exception {
        List<float[]> results = twoRanks(g -> {
            Tensor w = torch.ones(3).requires_grad_(true);
            Tensor unused = torch.ones(2).requires_grad_(true);
            w.mul(Tensors.fromFloats(new float[] {1, 2, 3 + g.rank()}, 3)).sum().mul(new org.bytedeco.pytorch.Scalar(g.rank() + 1.0)).backward();
            Gradients.sumAcross(g, List.of(w, unused));
            assertTrue(!unused.grad().defined());
            return Tensors.toFloats(w.grad());
        });
        for (float[] r : results) { // rank 0: (1, 2, 3); rank 1: 2·(1, 2, 4)
            assertArrayEquals(new float[] {3, 6, 11}, r);
        }
    }

    @Test
    void aPeerThatStopsAnsweringFailsTheWaitingRankAfterTheTimeout() throws Exception {
        // a peer whose process dies is noticed at once (its sockets close: DistributedRunTest); one that is
        // alive but silent, here a closed group in this JVM, after the timeout
        List<String> results = twoRanks(Duration.ofSeconds(3), g -> {
            if (g.rank() == 1) {
                g.barrier();
                g.close();
                return "left";
            }
            g.barrier();
            long start = System.nanoTime();
            PeerFailure e = assertThrows(PeerFailure.class, () -> {
                for (int i = 0; i < 1000; i++) { // until the peer's close has reached this rank
                    g.allreduceSum(Tensors.fromFloats(new float[] {1}, 1));
                }
            });
 assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "took " + (System.nanoTime() - start) / 1e9 + " s");
            return e.getMessage();
        });
        assertTrue(results.get(0).startsWith("allreduce failed on rank 0 of 2: "), results.get(0));
        assertTrue(!results.get(0).contains("\n"), results.get(0));
    }
}
