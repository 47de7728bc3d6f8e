package ddpm4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures what it prints. */
final class Cli {
    final int exit;
    final String out;
    final String err;

    private Cli(int exit, String out, String err) {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    /**
     * Runs {@code args}; a command that runs the diffusion network is given {@code --precision fp32} unless it
     * names a precision, so that results compared with references are exact on every CPU kind (the default,
     * {@code --precision auto}, trains in bf16 on CPUs with native bfloat16; ReproducibleDefaultsTest tests it).
     */
    static synchronized Cli run(String... args) {
        return runExactly(pinned(args));
    }

    private static final java.util.Set<String> NETWORK_COMMANDS = java.util.Set.of("sample", "train", "distill", "quickstart", "figure", "eval", "edit");

    private static String[] pinned(String[] args) {
        java.util.List<String> list = java.util.List.of(args);
        boolean help = list.contains("--help") || list.contains("-h") || list.contains("--version") || list.contains("-V");
        boolean sub = args.length > 1 && !args[1].startsWith("-");
        boolean network = args.length > 0 && NETWORK_COMMANDS.contains(args[0]) && (!args[0].equals("figure") && !args[0].equals("eval") && !args[0].equals("edit") || sub);
        if (help || !network || list.stream().anyMatch(a -> a.equals("--precision") || a.startsWith("--precision="))) {
            return args;
        }
        String[] out = java.util.Arrays.copyOf(args, args.length + 2);
        out[args.length] = "--precision";
        out[args.length + 1] = "fp32";
        return out;
    }

    /** Runs {@code args} as given. */
    static synchronized Cli runExactly(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Override
    public String toString() {
        return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
}
