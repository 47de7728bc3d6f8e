package ddpm4j.serve;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.io.Model;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Conditioning;
import ddpm4j.sample.ImageToImage;
import ddpm4j.sample.KnownRegion;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.StepListener;
import ddpm4j.sample.TracedSampler;
import ddpm4j.sample.Trajectory;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One model's queue and the one thread that runs its network. A request is cut into pieces of at most
 * {@link ServeLimits#batchImages} images (as {@code sample --batch-size} cuts a run); the thread takes the oldest
 * piece and joins to it every waiting piece of a request with the same settings ({@link Task#batchKey}) while the
 * batch has room, so concurrent requests share network passes. Image k of a request draws the noise of (seed, k)
 * however the batch is made up, and fp32 networks compute each image alone, so a request gets the images it would
 * get by itself and from {@code ddpm4j sample}; only fp32 requests are joined (a bf16 one runs alone, so that its
 * numbers never depend on what else arrived at the time).
 */
final class Batcher implements AutoCloseable {
    /** A request in progress. */
    static final class Job {
        final Task task;
        final CompletableFuture<float[]> result = new CompletableFuture<>();
        private final float[] out;
        private final AtomicLong done = new AtomicLong();
        private int unfinished;
        /** Why the job was given up, or null. */
        private ServeError stopped;
        /** Whether a piece of it has gone to the network. */
        private boolean started;

        Job(Task task, int per) {
            this.task = task;
            this.out = new float[task.count() * per];
        }

        /** Image-passes done, of {@link #total}. */
        long done() {
            return done.get();
        }

        long total() {
            return (long) task.count() * task.passes();
        }
    }

    private record Piece(Job job, int first, int count) {
    }

    private final ServedModel served;
    private final ServeLimits limits;
    private final Deque<Piece> queue = new ArrayDeque<>();
    private final Thread worker;
    private int jobs;
    private boolean closing;
    private long batches;
    private long images;
    private long requests;

    Batcher(ServedModel served, ServeLimits limits) {
        this.served = served;
        this.limits = limits;
        this.worker = new Thread(this::work, "ddpm4j-serve-" + served.name());
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues a task; refused with 503 when the queue is full or the server is closing. */
    synchronized Job submit(Task task) {
        if (closing) {
            throw new ServeError(503, null, "the server is shutting down");
        }
        if (jobs >= limits.queueLimit()) {
            throw new ServeError(503, null, "busy: " + jobs + " requests are queued for model '" + served.name() + "'; try again shortly");
        }
        UNetConfig c = served.model().unet().config();
        Job job = new Job(task, c.inChannels() * c.sampleSize() * c.sampleSize());
        for (int first = 0; first < task.count(); first += limits.batchImages()) {
            queue.add(new Piece(job, first, Math.min(limits.batchImages(), task.count() - first)));
            job.unfinished++;
        }
        jobs++;
        requests++;
        notifyAll();
        return job;
    }

    /** Requests waiting or running. */
    synchronized int load() {
        return jobs;
    }

    /** Requests taken, network batches run and the images in them, since the start. */
    synchronized long[] counts() {
        return new long[] {requests, batches, images};
    }

    /** Gives up a job (its request timed out): its waiting pieces leave the queue, a running one finishes unseen. */
    synchronized void cancel(Job job, ServeError why) {
        if (job.result.isDone()) {
            return;
        }
        job.stopped = why;
        int before = queue.size();
        queue.removeIf(p -> p.job == job);
        job.unfinished -= before - queue.size();
        if (job.unfinished == 0) {
            finish(job, why);
        }
    }

    private void finish(Job job, RuntimeException failure) {
        jobs--;
        if (failure != null) {
            job.result.completeExceptionally(failure);
        } else {
            job.result.complete(job.out);
        }
        notifyAll();
    }

    private void work() {
        while (true) {
            List<Piece> batch = next();
            if (batch == null) {
                return;
            }
            float[] out = null;
            ServeError failure = null;
            try {
                out = run(batch);
            } catch (Throwable e) {
                failure = new ServeError(500, null, "sampling failed: " + ServeError.firstLine(e));
            }
            settle(batch, out, failure);
        }
    }

    /** Hands a batch's results to its jobs (or its failure), finishing those with nothing left to run. */
    private synchronized void settle(List<Piece> batch, float[] out, ServeError failure) {
        batches++;
        images += batch.stream().mapToInt(Piece::count).sum();
        int per = batch.get(0).job.out.length / batch.get(0).job.task.count();
        int at = 0;
        for (Piece p : batch) {
            Job job = p.job;
            if (failure != null && job.stopped == null) {
                job.stopped = failure; // its other pieces are not worth running
                int before = queue.size();
                queue.removeIf(q -> q.job == job);
                job.unfinished -= before - queue.size();
            } else if (out != null) {
                System.arraycopy(out, at * per, job.out, p.first * per, p.count * per);
            }
            at += p.count;
            if (--job.unfinished == 0) {
                finish(job, failure != null ? failure : job.stopped);
            }
        }
    }

    /** The oldest piece and the waiting pieces it can share a batch with; null once closed and empty. */
    private synchronized List<Piece> next() {
        while (queue.isEmpty()) {
            if (closing) {
                return null;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                return null;
            }
        }
        Piece head = queue.poll();
        head.job.started = true;
        List<Piece> batch = new ArrayList<>(List.of(head));
        String key = head.job.task.batchKey();
        int images = head.count;
        if (key != null) {
            for (var it = queue.iterator(); it.hasNext(); ) {
                Piece p = it.next();
                if (key.equals(p.job.task.batchKey()) && images + p.count <= limits.batchImages()) {
                    p.job.started = true;
                    batch.add(p);
                    images += p.count;
                    it.remove();
                }
            }
        }
        return batch;
    }

    /** One batch through the network: the model-space results, piece after piece. */
    private float[] run(List<Piece> batch) {
        Task task = batch.get(0).job.task;
        Model m = served.model();
        UNetConfig c = m.unet().config();
        long[] shape = {c.inChannels(), c.sampleSize(), c.sampleSize()};
        int total = batch.stream().mapToInt(Piece::count).sum();
        try (PointerScope scope = new PointerScope()) {
            m.unet().setPrecision(task.precision());
            List<NoiseSource> sources = new ArrayList<>();
            for (Piece p : batch) {
                sources.add(new NoiseSource(p.job.task.seed(), p.first, p.count, shape));
            }
            NoiseSource noise = NoiseSource.concat(sources);
            StepListener listener = (done, of) -> batch.forEach(p -> p.job.done.addAndGet(p.count));
            Tensor result = switch (task.kind()) {
                case GENERATE -> task.sampler().sample(network(batch, m), noise.next(m.device()), noise, listener);
                case IMG2IMG -> ImageToImage.edit((TracedSampler) task.sampler(), Conditioning.unconditional(m), images(batch, m, false),
                        task.strength(), noise, listener, Trajectory.NONE);
                case INPAINT -> task.sampler().sample(Conditioning.unconditional(m), noise.next(m.device()),
                        new KnownRegion(images(batch, m, false), images(batch, m, true)), noise, listener, Trajectory.NONE);
            };
            float[] out = Tensors.toFloats(result);
            if (out.length != total * Tensors.count(shape)) {
                throw new IllegalStateException(out.length + " values from a batch of " + total);
            }
            return out;
        }
    }

    /** The network for a generating batch: bound to each image's class where the model has classes. */
    private static Denoiser network(List<Piece> batch, Model m) {
        Task task = batch.get(0).job.task;
        if (task.labels() == null) {
            return m.unet()::infer;
        }
        long[] labels = new long[0];
        for (Piece p : batch) {
            long[] part = Arrays.copyOfRange(p.job.task.labels(), p.first, p.first + p.count);
            long[] joined = Arrays.copyOf(labels, labels.length + part.length);
            System.arraycopy(part, 0, joined, labels.length, part.length);
            labels = joined;
        }
        return new Conditioning(new int[] {0}, m.classCount(), task.guidance()).guided(m.unet()::infer, labels, m.unet().config().inChannels());
    }

    /** The pieces' images (or their masks), stacked. */
    private static Tensor images(List<Piece> batch, Model m, boolean masks) {
        List<float[]> parts = new ArrayList<>();
        long[] shape = null;
        int n = 0;
        for (Piece p : batch) {
            var set = masks ? p.job.task.masks() : p.job.task.images();
            shape = set.imageShape();
            int per = set.per();
            parts.add(Arrays.copyOfRange(set.pixels(), p.first * per, (p.first + p.count) * per));
            n += p.count;
        }
        float[] all = new float[n * Math.toIntExact(Tensors.count(shape))];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return m.device().put(Tensors.fromFloats(all, n, shape[0], shape[1], shape[2]));
    }

    /** Stops taking requests and fails those not yet started (503); those started go on. */
    synchronized void stopTaking() {
        closing = true;
        ServeError shutdown = new ServeError(503, null, "the server is shutting down");
        for (Piece p : new ArrayList<>(queue)) {
            if (!p.job.started && !p.job.result.isDone()) {
                cancel(p.job, shutdown);
            }
        }
        notifyAll();
    }

    /** Waits until the started requests are answered and the thread has ended, at most until {@code deadline} (nanoTime); whether it ended. */
    boolean awaitIdle(long deadline) {
        try {
            worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !worker.isAlive();
    }

    /** {@link #stopTaking}, then {@link #awaitIdle} within the request time limit. */
    @Override
    public void close() {
        stopTaking();
        awaitIdle(System.nanoTime() + limits.timeout().toNanos());
    }
}
