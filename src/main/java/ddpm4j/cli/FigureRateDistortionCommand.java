package ddpm4j.cli;

import ddpm4j.data.ImageSet;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.eval.BitsPerDim;
import ddpm4j.eval.RateDistortion;
import ddpm4j.io.AtomicFiles;
import ddpm4j.io.Images;
import ddpm4j.io.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j figure rate-distortion}: progressive lossy compression (fig. 5). */
@Command(name = "rate-distortion", mixinStandardHelpOptions = true,
        description = "Progressive lossy compression (section 4.3, fig. 5): after each reverse step, the bits/dim sent so far"
                + " (prior + KL terms) and the RMSE of the predicted x0 on the [0,255] scale, as CSV and a plot.")
final class FigureRateDistortionCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "Test images, e.g. fashion-mnist:test.")
    String data;

    @Option(names = "--limit", defaultValue = "100", paramLabel = "N", description = "Only the first N images (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--batch-size", defaultValue = "50", paramLabel = "B", description = "Images per network call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Seed of the x_t draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--csv", required = true, paramLabel = "OUT.csv", description = "Per step: reverse steps done, t, rate (bits/dim), distortion (RMSE).")
    Path csv;

    @Option(names = "--plot", paramLabel = "OUT.png", description = "Distortion and rate against steps, and distortion against rate.")
    Path plot;

    @Override
    public Integer call() throws Exception {
        Outputs.extension(csv, "--csv", List.of("csv"));
        if (plot != null) {
            Outputs.extension(plot, "--plot", List.of("png"));
            Outputs.prepare(plot);
        }
        Checks.atLeast("--limit", limit, 1);
        Checks.atLeast("--batch-size", batchSize, 1);
        Outputs.prepare(csv);
        options.apply();
        try (Model m = model.load(options)) {
            ImageSet images = Figures.images(data, m).limit(limit);
            GaussianDiffusion diffusion = GaussianDiffusion.of(m.scheduler());
            int steps = diffusion.schedule().steps();
            BitsPerDim.Result bpd;
            try (Progress progress = new Progress("rate-distortion", (long) ((images.count() + batchSize - 1) / batchSize) * steps)) {
                bpd = BitsPerDim.evaluate(ClassOptions.unconditional(m), m.device(), diffusion, images, batchSize, seed, m.scheduler().clipSample(),
                        (d, all) -> progress.step(1));
            }
            RateDistortion rd = RateDistortion.of(bpd);
            BufferedImage picture = plot == null ? null : rd.figure(); // drawn before anything is written
            writeCsv(rd);
            if (picture != null) {
                Images.writePng(plot, picture);
                System.err.println("wrote " + plot + " (" + images.count() + " images)");
            }
            int last = rd.t().length - 1;
            System.out.printf(Locale.ROOT, "after %d steps: rate %.4f bits/dim, distortion %.3f RMSE (%d images)%n",
                    last, rd.rate()[last], rd.distortion()[last], images.count());
        }
        return 0;
    }

    private void writeCsv(RateDistortion rd) throws java.io.IOException {
        StringBuilder s = new StringBuilder("reverse_steps,t,rate_bits_per_dim,distortion_rmse\n");
        for (int j = 0; j < rd.t().length; j++) {
            s.append(String.format(Locale.ROOT, "%d,%d,%.8g,%.8g%n", j, rd.t()[j] + 1, rd.rate()[j], rd.distortion()[j]));
        }
        AtomicFiles.write(csv, s.toString().getBytes(StandardCharsets.UTF_8));
        System.err.println("wrote " + csv);
    }
}
