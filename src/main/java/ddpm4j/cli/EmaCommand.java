package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Weights;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.train.PostHocEma;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j ema}: post-hoc EMA, the weights of any EMA length from a run's snapshots. */
@Command(name = "ema", mixinStandardHelpOptions = true,
        description = {"Post-hoc EMA (EDM2): a model directory with the power-function EMA of any relative length --sigma-rel at a"
                + " snapshot's step, combined from the snapshots a run trained with --ema-profiles took (RUN/ema-snapshots/).",
                "Without --sigma-rel, lists the snapshots."})
final class EmaCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "DIR", description = "A training run's directory.")
    Path run;

    @Option(names = "--sigma-rel", paramLabel = "S", description = "The EMA's width relative to the run's length, in (0, 0.3]"
            + " (EDM2 finds 0.05-0.15 best).")
    Double sigmaRel;

    @Option(names = "--step", paramLabel = "N", description = "The snapshot step to reconstruct at (default: the last).")
    Long step;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write the model directory." + Outputs.CREATES_FOLDERS)
    Path out;

    @Override
    public Integer call() throws Exception {
        List<PostHocEma.Snapshot> snapshots = PostHocEma.snapshots(run);
        if (snapshots.isEmpty()) {
            throw new UserException(run.resolve(PostHocEma.DIR) + " holds no snapshots");
        }
        if (sigmaRel == null) {
            for (PostHocEma.Snapshot s : snapshots) {
                System.out.printf(Locale.ROOT, "step %d  sigma_rel %s  %s%n", s.step(), s.sigmaRel(), s.file().getFileName());
            }
            return 0;
        }
        if (out == null) {
            throw new UserException("--sigma-rel needs --out DIR for the model directory");
        }
        long at = step != null ? step : snapshots.get(snapshots.size() - 1).step();
        PostHocEma.Result r;
        try {
            r = PostHocEma.reconstruct(run, sigmaRel, at);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        Outputs.prepare(out);
        try (Model m = ModelDirectory.load(run); UNet2DModel unet = new UNet2DModel(m.unet().config())) {
            Weights.load(unet, r.weights(), run.resolve(PostHocEma.DIR));
            ModelDirectory.save(out, unet, m.scheduler());
        }
        System.err.printf(Locale.ROOT, "wrote %s: the EMA of sigma_rel %s at step %d from %d snapshots (profile error %.2g)%n",
                out, sigmaRel, at, r.snapshots().size(), r.error());
        return 0;
    }
}
