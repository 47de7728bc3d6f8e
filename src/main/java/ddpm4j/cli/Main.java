package ddpm4j.cli;

import ddpm4j.io.FormatException;
import ddpm4j.torch.ConvCheck;
import ddpm4j.torch.Convolutions;
import ddpm4j.torch.Natives;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** The {@code ddpm4j} command line. */
@Command(name = "ddpm4j", mixinStandardHelpOptions = true, version = "ddpm4j 0.1.0",
        description = "Denoising Diffusion Probabilistic Models (Ho et al. 2020) on the JVM.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, DistillCommand.class, SampleCommand.class, EditCommand.class, PredictCommand.class, ConvertCommand.class, EmaCommand.class,
                EvalCommand.class, FigureCommand.class, BenchCommand.class, LaunchCommand.class, ServeCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static { // the messages of the library (SLF4J through slf4j-simple) in the command line's style, unless set otherwise
        for (String[] kv : new String[][] {{"showThreadName", "false"}, {"showLogName", "false"}, {"showShortLogName", "false"},
                {"levelInBrackets", "false"}, {"logFile", "System.err"}}) {
            System.setProperty("org.slf4j.simpleLogger." + kv[0], System.getProperty("org.slf4j.simpleLogger." + kv[0], kv[1]));
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code: 0 ok, 2 bad input or usage, 1 internal error. */
    public static int run(String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        Convolutions.setListener(check -> warnIfSwitched(check, System.err));
        CommandLine cli = new CommandLine(new Main());
        cli.getSubcommands().get("launch").setStopAtPositional(true); // COMMAND's options are COMMAND's
        String world = System.getenv(ddpm4j.dist.DistEnv.WORLD_SIZE);
        if (world != null && !world.isBlank() && !world.trim().equals("1") && args.length > 0 && !args[0].startsWith("-")
                && !args[0].equals("help") && !LaunchCommand.DISTRIBUTED.contains(LaunchCommand.commandName(java.util.List.of(args)))) {
            System.err.println("ddpm4j: " + LaunchCommand.commandName(java.util.List.of(args)) + " runs in one process, but "
                    + ddpm4j.dist.DistEnv.WORLD_SIZE + " is " + world.trim() + " (distributed: "
                    + String.join(", ", new java.util.TreeSet<>(LaunchCommand.DISTRIBUTED)) + ")");
            return CommandLine.ExitCode.USAGE;
        }
        watchLauncher();
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, verbose));
        cli.setParameterExceptionHandler((e, a) -> {
            String help = e.getCommandLine().getCommandSpec().qualifiedName();
            System.err.println("ddpm4j: " + e.getMessage().lines().findFirst().orElse("") + " (see '" + help + " --help')");
            return CommandLine.ExitCode.USAGE;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) { // picocli hands on Errors; what a request can allocate is bounded before, this is the rest
            System.err.println("ddpm4j: out of memory (" + e.getMessage() + "): the work needs more than this JVM's "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB heap; ask for less (--batch-size, --n) or raise it"
                    + " with DDPM4J_JAVA_OPTS=-Xmx...");
            if (verbose) {
                e.printStackTrace();
            }
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    /**
     * Prints one line for a failed command and returns its exit code: 2 for bad input or usage,
     * 1 for a failing environment (I/O) or an internal error.
     */
    static int report(Exception e, boolean verbose) {
        boolean userError = e instanceof UserException || e instanceof FormatException
                || e instanceof NoSuchFileException || e instanceof IllegalArgumentException
                || e instanceof AccessDeniedException;
        String message = (e instanceof IOException io ? ddpm4j.io.IoErrors.describe(io)
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()).lines().findFirst().orElse("")
                + (e instanceof ddpm4j.data.DatasetNotFoundException ? "; or pass --data-dir DIR" : "");
        String kind = userError || e instanceof IOException || e instanceof ddpm4j.dist.PeerFailure ? "" : "internal error: ";
        System.err.println("ddpm4j: " + kind + message);
        if (verbose) {
            e.printStackTrace();
        } else if (!kind.isEmpty()) {
            System.err.println("(run with --verbose for the stack trace)");
        }
        return userError ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
    }

    /** One warning line for a convolution shape that the self-check moved off oneDNN; nothing otherwise. */
    static void warnIfSwitched(ConvCheck check, java.io.PrintStream err) {
        if (check.switched()) {
            err.println("ddpm4j: warning: " + check.describe());
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Under {@code ddpm4j launch}: halts this rank when the launcher is gone (killed without a chance to stop its ranks). */
    private static void watchLauncher() {
        String pid = System.getenv(LaunchCommand.LAUNCHER_PID);
        if (pid == null || pid.isBlank()) {
            return;
        }
        java.util.Optional<ProcessHandle> launcher;
        try {
            launcher = ProcessHandle.of(Long.parseLong(pid.trim()));
        } catch (NumberFormatException e) {
            return;
        }
        Thread watch = new Thread(() -> {
            while (launcher.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("ddpm4j: the launcher (pid " + pid.trim() + ") is gone; stopping");
            Runtime.getRuntime().halt(1);
        }, "ddpm4j-launcher-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /** Loads the native libraries before any command touches a tensor. */
    static void loadNatives() {
        try {
            Natives.load();
        } catch (IllegalStateException e) { // the machine lacks what this build needs: say what, not "internal error"
            throw new UserException(e.getMessage());
        }
    }
}
