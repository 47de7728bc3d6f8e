package ddpm4j.cli;

import ddpm4j.io.FormatException;
import ddpm4j.torch.Natives;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** The {@code ddpm4j} command line. */
@Command(name = "ddpm4j", mixinStandardHelpOptions = true, version = "ddpm4j 0.1.0",
        description = "Denoising Diffusion Probabilistic Models (Ho et al. 2020) on the JVM.",
        subcommands = {PredictCommand.class, SampleCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code: 0 ok, 2 bad input or usage, 1 internal error. */
    public static int run(String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, verbose));
        cli.setParameterExceptionHandler((e, a) -> {
            String help = e.getCommandLine().getCommandSpec().qualifiedName();
            System.err.println("ddpm4j: " + e.getMessage().lines().findFirst().orElse("") + " (see '" + help + " --help')");
            return CommandLine.ExitCode.USAGE;
        });
        return cli.execute(args);
    }

    static int report(Exception e, boolean verbose) {
        Throwable cause = e;
        boolean userError = cause instanceof UserException || cause instanceof FormatException
                || cause instanceof NoSuchFileException || cause instanceof IllegalArgumentException
                || cause instanceof java.nio.file.AccessDeniedException;
        String message = cause instanceof NoSuchFileException ? "no such file: " + cause.getMessage()
                : cause instanceof java.nio.file.AccessDeniedException ? "permission denied: " + cause.getMessage()
                : cause.getMessage();
        if (message == null) {
            message = cause.getClass().getSimpleName();
        }
        message = message.lines().findFirst().orElse(message);
        System.err.println("ddpm4j: " + (userError ? "" : "internal error: ") + message);
        if (verbose) {
            e.printStackTrace();
        } else if (!userError) {
            System.err.println("(run with --verbose for the stack trace)");
        }
        if (!userError && !(cause instanceof IOException)) {
            return 1;
        }
        return userError ? 2 : 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Loads the native libraries before any command touches a tensor. */
    static void loadNatives() {
        Natives.load();
    }
}
