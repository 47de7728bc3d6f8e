package ddpm4j.cli;

import ddpm4j.dist.DistEnv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ddpm4j launch --nproc N COMMAND ...}: N ranks of one distributed run on this machine, as
 * {@code torchrun --standalone --nproc_per_node N} starts them: each a JVM with RANK, LOCAL_RANK,
 * WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT set and the cores split between them. If a rank
 * fails, the others are stopped and the launcher exits non-zero, naming the rank.
 */
@Command(name = "launch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run COMMAND as N ranks of one distributed run on this machine (torchrun --nproc_per_node N).",
                "COMMAND is one of: train, distill, sample, eval fid|is|stats|bpd. Each rank gets RANK, LOCAL_RANK, WORLD_SIZE,"
                        + " MASTER_ADDR, MASTER_PORT in its environment and --threads (cores / N) unless COMMAND sets it.",
                "On several machines, start the command on each with those variables set (see the README)."})
final class LaunchCommand implements Callable<Integer> {
    /** The commands that take part in a distributed run; the others would write the same files N times. */
    static final Set<String> DISTRIBUTED = Set.of("train", "distill", "sample", "eval fid", "eval is", "eval stats", "eval bpd");

    /** Set in each rank's environment: the launcher's pid, which the rank watches (it stops when the launcher is gone). */
    static final String LAUNCHER_PID = "DDPM4J_LAUNCHER_PID";

    /** How long the other ranks get to stop after a failure before they are killed. */
    private static final Duration GRACE = Duration.ofSeconds(10);

    /** More ranks than this per core only slow one another (each is a JVM with libtorch and its own memory). */
    static final int MAX_RANKS_PER_CORE = 4;

    @Option(names = "--nproc", required = true, paramLabel = "N", description = "Number of ranks (at most 4 per core).")
    int nproc;

    @Option(names = "--master-port", paramLabel = "PORT", description = "Port of the rendezvous on 127.0.0.1 (default: a free one).")
    Integer masterPort;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The ddpm4j command and its options.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        int most = MAX_RANKS_PER_CORE * Runtime.getRuntime().availableProcessors();
        if (nproc < 1 || nproc > most) {
            throw new UserException("--nproc must be in [1, " + most + "] (each rank is a JVM with libtorch; at most "
                    + MAX_RANKS_PER_CORE + " per core this JVM may use), got " + nproc);
        }
        if (masterPort != null) {
            requireFree(masterPort);
        }
        String name = commandName(command);
        if (!DISTRIBUTED.contains(name)) {
            throw new UserException("launch runs " + String.join(", ", new java.util.TreeSet<>(DISTRIBUTED))
                    + "; '" + String.join(" ", command.subList(0, Math.min(2, command.size()))) + "' runs in one process");
        }
        int port = masterPort != null ? masterPort : freePort();
        DistEnv env = new DistEnv(0, 0, nproc, "127.0.0.1", port, DistEnv.fromEnvironment().timeout());
        List<String> args = new ArrayList<>(command);
        if (args.stream().noneMatch(a -> a.equals("--threads") || a.startsWith("--threads="))) {
            args.add("--threads");
            args.add(Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / nproc)));
        }
        List<Process> ranks = new java.util.concurrent.CopyOnWriteArrayList<>(); // the shutdown hook reads it too
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Thread stopAll = new Thread(() -> {
            stopping.set(true);
            stop(ranks);
        });
        Runtime.getRuntime().addShutdownHook(stopAll); // Ctrl-C or SIGTERM reaches every rank
        try {
            java.util.concurrent.BlockingQueue<Integer> exits = new java.util.concurrent.LinkedBlockingQueue<>();
            for (int r = 0; r < nproc; r++) {
                Process p = start(env, r, args);
                ranks.add(p);
                int rank = r;
                p.onExit().thenRun(() -> exits.add(rank));
            }
            return supervise(ranks, exits, stopping, System.err);
        } finally {
            stop(ranks);
            try {
                Runtime.getRuntime().removeShutdownHook(stopAll);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    /** "train", or "eval fid" for a command with subcommands. */
    static String commandName(List<String> args) {
        if (args.isEmpty()) {
            return "";
        }
        return args.get(0).equals("eval") && args.size() > 1 ? "eval " + args.get(1) : args.get(0);
    }

    private static Process start(DistEnv env, int rank, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env.environmentFor(rank, rank));
        pb.environment().put(LAUNCHER_PID, Long.toString(ProcessHandle.current().pid()));
        Process p = pb.start();
        Thread copy = new Thread(() -> forward(p, System.out), "ddpm4j-rank-" + rank + "-stdout");
        copy.setDaemon(true);
        copy.start();
        return p;
    }

    /** A rank's standard output, without Gloo's "connected to N peer ranks" lines. */
    private static void forward(Process p, PrintStream out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("[Gloo] Rank ")) {
                    out.println(line);
                }
            }
        } catch (IOException e) {
            // the rank is gone
        }
    }

    /**
     * Waits for every rank ({@code exits} hears each rank's number as it ends); the first to fail, the cause
     * (its peers fail after it), stops the others and gives the exit code.
     */
    static int supervise(List<Process> ranks, java.util.concurrent.BlockingQueue<Integer> exits,
                         java.util.concurrent.atomic.AtomicBoolean stopping, PrintStream err) throws InterruptedException {
        for (int ended = 0; ended < ranks.size(); ended++) {
            int r = exits.take();
            int code = ranks.get(r).exitValue();
            if (code != 0 && !stopping.get()) { // not the ranks this launcher stops on its own SIGTERM or Ctrl-C
                err.println("ddpm4j launch: rank " + r + " " + describeExit(code) + "; stopping the other ranks");
                stop(ranks);
                return code < 128 ? code : 1;
            }
        }
        return 0;
    }

    /** "exited with code 2", or "was killed by signal 9 (SIGKILL)" for the shell's 128+N. */
    static String describeExit(int code) {
        if (code > 128 && code < 160) {
            int signal = code - 128;
            String name = switch (signal) {
                case 9 -> " (SIGKILL)";
                case 15 -> " (SIGTERM)";
                case 2 -> " (SIGINT)";
                case 6 -> " (SIGABRT)";
                case 11 -> " (SIGSEGV)";
                default -> "";
            };
            return "was killed by signal " + signal + name;
        }
        return "exited with code " + code;
    }

    /** SIGTERM to every rank still running, SIGKILL to those left after the grace period. */
    static void stop(List<Process> ranks) {
        List<Process> alive = ranks.stream().filter(Process::isAlive).toList();
        alive.forEach(Process::destroy);
        long deadline = System.nanoTime() + GRACE.toNanos();
        for (Process p : alive) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Refuses a rendezvous port outside 1..65535 or already taken on 127.0.0.1, before any rank starts. */
    private static void requireFree(int port) {
        if (port < 1 || port > 65535) {
            throw new UserException("--master-port must be in [1, 65535], got " + port);
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as c10d's store binds: a port left in TIME_WAIT is free, a listening one is not
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
        } catch (IOException e) {
            throw new UserException("--master-port " + port + " is in use on 127.0.0.1 (" + e.getMessage() + "); choose another or leave it out");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
