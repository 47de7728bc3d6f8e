package ddpm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ddpm4j figure}: the paper's sampling figures for a model, and runs' scores against their training. */
@Command(name = "figure", mixinStandardHelpOptions = true,
        description = "The paper's figures for a model: progressive (fig. 6), shared-latent (fig. 7), interpolate (fig. 8),"
                + " rate-distortion (fig. 5). Timesteps count like the paper's t: 1 (almost clean) to T (noise). And training: runs'"
                + " scores against their training time.",
        subcommands = {FigureProgressiveCommand.class, FigureSharedLatentCommand.class, FigureInterpolateCommand.class,
                FigureRateDistortionCommand.class, FigureTrainingCommand.class})
final class FigureCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "choose a figure: progressive, shared-latent, interpolate, rate-distortion or training");
    }
}
