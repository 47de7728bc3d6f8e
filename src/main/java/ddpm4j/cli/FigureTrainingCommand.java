package ddpm4j.cli;

import ddpm4j.io.AtomicFiles;
import ddpm4j.io.Images;
import ddpm4j.io.LinePlot;
import ddpm4j.train.TrainingCurve;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ddpm4j figure training}: runs' evaluation scores against the time they trained, one curve per run. */
@Command(name = "training", mixinStandardHelpOptions = true,
        description = {"Training runs' scores against the time spent in training steps (or the steps): one curve per run, as a"
                + " plot, a table on standard output and optionally CSV. The scores are those 'train --eval-every N' wrote to"
                + " each run's metrics.jsonl; evaluations, checkpoints and sample grids are not counted as training time."})
final class FigureTrainingCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "[NAME=]DIR",
            description = "A training run's directory, NAME in the legend (default: the folder's name); once per run.")
    List<String> runs;

    @Option(names = "--metric", defaultValue = "judge_fid", paramLabel = "NAME",
            description = "The score in metrics.jsonl (default: ${DEFAULT-VALUE}; inception_fid for --eval-features inception).")
    String metric;

    @Option(names = "--x", defaultValue = "minutes", paramLabel = "minutes|steps|images",
            description = "The horizontal axis: minutes spent in training steps, steps, or training images (steps times the"
                    + " run's batch size, to compare runs of different batches) (default: ${DEFAULT-VALUE}).")
    String x;

    @Option(names = "--log-y", description = "A logarithmic score axis.")
    boolean logY;

    @Option(names = "--out", required = true, paramLabel = "OUT.png", description = "The plot." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--csv", paramLabel = "OUT.csv", description = "Also the points as CSV: run, step, train_minutes, score.")
    Path csv;

    @Override
    public Integer call() throws Exception {
        if (!List.of("minutes", "steps", "images").contains(x)) {
            throw new UserException("--x must be minutes, steps or images, got '" + x + "'");
        }
        Outputs.extension(out, "--out", List.of("png"));
        if (csv != null) {
            Outputs.extension(csv, "--csv", List.of("csv"));
        }
        Map<String, TrainingCurve> curves = new LinkedHashMap<>();
        for (String run : runs) {
            int eq = run.indexOf('=');
            Path dir = Path.of(eq > 0 ? run.substring(eq + 1) : run);
            String name = eq > 0 ? run.substring(0, eq) : String.valueOf(dir.toAbsolutePath().normalize().getFileName());
            if (curves.containsKey(name)) {
                throw new UserException("two runs are named '" + name + "': name them --run NAME=DIR");
            }
            try {
                TrainingCurve c = TrainingCurve.read(dir, metric);
                if (x.equals("minutes") && !c.timed()) {
                    throw new UserException(dir + " did not log its training time (train_s; runs before 2026-12-07): use --x steps");
                }
                if (x.equals("images") && c.batchSize() == 0) {
                    throw new UserException(dir + " has no checkpoint that records its batch size: use --x steps");
                }
                curves.put(name, c);
            } catch (IllegalArgumentException | java.nio.file.NoSuchFileException e) {
                throw new UserException(e.getMessage());
            }
        }
        Map<String, double[][]> points = new LinkedHashMap<>();
        StringBuilder table = new StringBuilder("run,step,train_minutes,score\n");
        curves.forEach((name, c) -> {
            double[] xs = new double[c.steps().length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = switch (x) {
                    case "steps" -> c.steps()[i];
                    case "images" -> (double) c.steps()[i] * c.batchSize();
                    default -> c.trainSeconds()[i] / 60;
                };
                table.append(String.format(Locale.ROOT, "%s,%d,%.3f,%.6g%n", name, c.steps()[i], c.trainSeconds()[i] / 60, c.scores()[i]));
            }
            points.put(name, new double[][] {xs, c.scores()});
        });
        LinePlot plot = new LinePlot(switch (x) {
            case "steps" -> "training steps";
            case "images" -> "training images";
            default -> "minutes in training steps";
        }, metric, 800, 500);
        var picture = (logY ? plot.withLogY() : plot).draw(points); // drawn before anything is written
        Outputs.prepare(out);
        Images.writePng(out, picture);
        if (csv != null) {
            Outputs.prepare(csv);
            AtomicFiles.write(csv, table.toString().getBytes(StandardCharsets.UTF_8));
        }
        curves.forEach((name, c) -> {
            int b = c.best();
            int l = c.steps().length - 1;
            System.out.printf(Locale.ROOT, "%s: best %s %.4g at step %d%s; last %.4g at step %d%s%n", name, metric, c.scores()[b],
                    c.steps()[b], minutes(c, b), c.scores()[l], c.steps()[l], minutes(c, l));
        });
        System.err.println("wrote " + out + (csv == null ? "" : " and " + csv));
        return 0;
    }

    /** " (M min)" of a timed run's point i, else nothing. */
    private static String minutes(TrainingCurve c, int i) {
        return c.timed() ? String.format(Locale.ROOT, " (%.1f min)", c.trainSeconds()[i] / 60) : "";
    }
}
